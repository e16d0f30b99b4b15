import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import type { HoldRepository, TelegramAccount, TelegramHold } from '../../../src/db/holds.js'
import { AccountHold, FailureStreak } from '../../../src/jobs/hold.js'

/** The holds table as the store keeps it (never shortened), in memory. */
function holds(): HoldRepository & { rows: Map<TelegramAccount, TelegramHold> } {
  const rows = new Map<TelegramAccount, TelegramHold>()
  return {
    rows,
    get: (account) => Promise.resolve(rows.get(account)),
    extend: (account, until, reason, now) => {
      const current = rows.get(account)
      if (!current || until > current.until) rows.set(account, { account, until, reason, updatedAt: now })
      return Promise.resolve(rows.get(account)!)
    },
    active: (now) => Promise.resolve([...rows.values()].filter((h) => h.until > now)),
  }
}

const logger = pino({ level: 'silent' })

describe('AccountHold', () => {
  it('holds at once here and for every process, never shortened, and is over when its time is', async () => {
    let now = 1_000_000
    const table = holds()
    const hold = new AccountHold(table, 'bot', { logger, clock: () => now })
    expect(hold.until()).toBeUndefined()
    await hold.hold(now + 5000, 'retry_after 5')
    expect(hold.until()).toBe(now + 5000)
    expect(hold.why()).toBe('retry_after 5')
    await hold.hold(now + 1000, 'retry_after 1')
    expect(hold.until()).toBe(now + 5000)
    expect(table.rows.get('bot')?.until).toBe(now + 5000)
    now += 5000
    expect(hold.until()).toBeUndefined()
    expect(hold.why()).toBeUndefined()
  })

  it("learns of another process's hold when it reads the store again", async () => {
    let now = 1_000_000
    const table = holds()
    const here = new AccountHold(table, 'bot', { logger, clock: () => now, refreshMs: 1000 })
    const there = new AccountHold(table, 'bot', { logger, clock: () => now })
    await here.refresh()
    await there.hold(now + 30_000, 'retry_after 30')
    expect(here.until()).toBeUndefined() // read a moment ago
    now += 1000
    here.until() // reads in the background
    await here.refresh()
    expect(here.until()).toBe(1_000_000 + 30_000)
  })
})

describe('FailureStreak', () => {
  it('opens after three failures in a row, reopens at once on a failed probe for twice as long, closes on a success', () => {
    const streak = new FailureStreak({ threshold: 3, firstHoldMs: 2000, maxHoldMs: 5000 })
    expect(streak.failure()).toBeUndefined()
    expect(streak.failure()).toBeUndefined()
    expect(streak.failure()).toBe(2000)
    expect(streak.failure()).toBe(4000)
    expect(streak.failure()).toBe(5000)
    streak.success()
    expect(streak.failure()).toBeUndefined()
    streak.success()
    expect(streak.failure()).toBeUndefined()
  })
})

import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import type { Transformer } from 'grammy'
import type { HoldRepository, TelegramAccount, TelegramHold } from '../../../src/db/holds.js'
import { BotApiHeldError, BotApiTimeoutError, botApiGate } from '../../../src/bot/api-gate.js'
import { AccountHold, FailureStreak } from '../../../src/jobs/hold.js'

type Prev = Parameters<Transformer>[0]
/** A Bot API answer, as the client hands it to transformers. */
type Answer =
  | { ok: true; result: unknown }
  | { ok: false; error_code: number; description: string; parameters?: { retry_after?: number } }

function memoryHolds(): HoldRepository {
  const rows = new Map<TelegramAccount, TelegramHold>()
  return {
    get: (account) => Promise.resolve(rows.get(account)),
    extend: (account, until, reason, now) => {
      const current = rows.get(account)
      if (!current || until > current.until) rows.set(account, { account, until, reason, updatedAt: now })
      return Promise.resolve(rows.get(account)!)
    },
    active: () => Promise.resolve([...rows.values()]),
  }
}

const logger = pino({ level: 'silent' })
const ok: Answer = { ok: true, result: true }
const tooMany = (seconds: number): Answer => ({
  ok: false,
  error_code: 429,
  description: `Too Many Requests: retry after ${String(seconds)}`,
  parameters: { retry_after: seconds },
})
const badGateway: Answer = { ok: false, error_code: 502, description: 'Bad Gateway' }

function gate(options: { maxWaitMs?: number; timeoutMs?: number } = {}) {
  const hold = new AccountHold(memoryHolds(), 'bot', { logger })
  const t = botApiGate({
    hold,
    streak: new FailureStreak(),
    timeoutMs: options.timeoutMs ?? 1000,
    maxWaitMs: options.maxWaitMs ?? 0,
    logger,
  })
  const calls: string[] = []
  const call = (method: string, answer: Answer | (() => Promise<Answer>), payload: object = {}) =>
    t(
      ((m: string) => {
        calls.push(m)
        return typeof answer === 'function' ? answer() : Promise.resolve(answer)
      }) as unknown as Prev,
      method as never,
      payload as never,
    )
  return { hold, call, calls }
}

describe('the Bot API gate', () => {
  it('holds every call of the bot after a 429, for its retry_after, without calling Telegram', async () => {
    const g = gate()
    expect(await g.call('sendMessage', tooMany(5))).toMatchObject({ ok: false, error_code: 429 })
    const before = Date.now()
    await expect(g.call('sendMessage', ok)).rejects.toBeInstanceOf(BotApiHeldError)
    const held = await g.call('banChatMember', ok).catch((e: unknown) => e)
    expect(held).toMatchObject({ retryAfterSeconds: 5 })
    expect((held as BotApiHeldError).until - before).toBeGreaterThan(4000)
    expect(g.calls).toEqual(['sendMessage'])
    // A long poll is no message: it is never held.
    expect(await g.call('getUpdates', ok)).toEqual(ok)
  })

  it('lets a reply wait out a short hold instead of failing', async () => {
    const g = gate({ maxWaitMs: 5000 })
    await g.hold.hold(Date.now() + 50, 'retry_after')
    const started = Date.now()
    expect(await g.call('sendMessage', ok)).toEqual(ok)
    expect(Date.now() - started).toBeGreaterThanOrEqual(40)
  })

  it('opens the circuit after three 5xx in a row: every call is held, then a probe goes through', async () => {
    const g = gate()
    for (let i = 0; i < 3; i++) await g.call('sendMessage', badGateway)
    await expect(g.call('sendMessage', ok)).rejects.toMatchObject({ name: 'BotApiHeldError' })
    expect(g.calls).toHaveLength(3)
    expect(g.hold.why()).toMatch(/502 Bad Gateway/)
  })

  it('gives a call that gets no answer a deadline, and a long poll its own timeout on top', async () => {
    const g = gate({ timeoutMs: 30 })
    const never = () => new Promise<Answer>(() => undefined)
    await expect(g.call('sendMessage', never)).rejects.toBeInstanceOf(BotApiTimeoutError)
    const slowPoll = () =>
      new Promise<Answer>((resolve) => {
        setTimeout(() => {
          resolve(ok)
        }, 60)
      })
    expect(await g.call('getUpdates', slowPoll, { timeout: 1 })).toEqual(ok)
  })
})

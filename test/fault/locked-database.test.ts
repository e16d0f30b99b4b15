import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/sqlite/open.js'
import { errorOf, startApiSite } from '../integration/api-kit.js'

/**
 * Another connection (a backup, the worker, an admin's sqlite3 shell) holds the write lock: the
 * site must keep answering, refuse the writes it cannot make with 503 and Retry-After (nothing
 * half-written), and write again once the lock is gone.
 */
describe('a database another connection holds locked', () => {
  it('keeps /healthz answering, says degraded, answers writes 503 after the wait, and writes again after', async () => {
    const s = await startApiSite()
    await s.store.members.recordBotContact(
      { telegramId: 77, firstName: 'Ada', lastName: null, username: null },
      s.now(),
    )
    const event = (key: string) => ({
      member: { telegramId: 77 },
      delta: 5,
      reason: 'answer accepted',
      idempotencyKey: key,
    })

    const holder = openDatabase(s.dbPath)
    holder.prepare('BEGIN IMMEDIATE').run()
    const lockedAt = performance.now()
    try {
      const write = s.call('POST', '/karma-events', event('during-lock'))
      // Liveness answers at once while the write waits; readiness says the database is degraded.
      const latencies: number[] = []
      for (let i = 0; i < 10; i++) {
        const started = performance.now()
        const res = await fetch(`${s.url}/healthz`)
        latencies.push(performance.now() - started)
        expect(res.status).toBe(200)
        await new Promise((resolve) => setTimeout(resolve, 150))
      }
      const deep = await fetch(`${s.url}/healthz?deep=1`)
      expect(deep.status).toBe(503)
      expect(await deep.json()).toMatchObject({ status: 'unavailable', database: 'degraded' })
      process.stdout.write(`/healthz under a foreign write lock: max ${Math.max(...latencies).toFixed(1)} ms\n`)
      const refused = await write
      expect(refused.status).toBe(503)
      expect(refused.headers.get('retry-after')).toBe('2')
      expect(errorOf(refused).code).toBe('busy')
      expect(performance.now() - lockedAt).toBeGreaterThanOrEqual(4900)
    } finally {
      holder.prepare('ROLLBACK').run()
      holder.close()
    }
    // Nothing of the refused write; the next one goes through.
    expect((await s.store.members.findByTelegramId(77))?.karma).toBe(0)
    expect((await s.call('POST', '/karma-events', event('after-lock'))).status).toBe(201)
    expect((await fetch(`${s.url}/healthz?deep=1`)).status).toBe(200)
  })

  it('lets a write wait out a short lock and succeed', async () => {
    const s = await startApiSite()
    await s.store.members.recordBotContact(
      { telegramId: 78, firstName: 'Bob', lastName: null, username: null },
      s.now(),
    )
    const holder = openDatabase(s.dbPath)
    holder.prepare('BEGIN IMMEDIATE').run()
    setTimeout(() => {
      holder.prepare('COMMIT').run()
      holder.close()
    }, 700)
    const res = await s.call('POST', '/karma-events', {
      member: { telegramId: 78 },
      delta: 3,
      reason: 'patience',
      idempotencyKey: 'short-lock',
    })
    expect(res.status).toBe(201)
    expect((await s.store.members.findByTelegramId(78))?.karma).toBe(3)
  })
})

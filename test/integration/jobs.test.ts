import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { openStore } from '../../src/db/store.js'
import { PermanentJobError } from '../../src/jobs/errors.js'
import { JobRunner, type JobHandler } from '../../src/jobs/runner.js'
import { type TestStore, testStores } from '../support/store.js'

const store = testStores()

/** Telegram's "retry after" as grammY reports it. */
class RetryAfter extends Error {
  constructor(readonly seconds: number) {
    super(`Too Many Requests: retry after ${String(seconds)}`)
  }
}

function runner(t: TestStore, handlers: Record<string, JobHandler>, jobs = t.store.jobs) {
  return new JobRunner({
    owner: 'bot',
    jobs,
    handlers,
    logger: pino({ level: 'silent' }),
    clock: () => t.now(),
    random: () => 1,
    backoffBaseMs: 1000,
    retryAfterOf: (e) => (e instanceof RetryAfter ? e.seconds : undefined),
  })
}

const stateOf = (t: TestStore, id: number) =>
  t.db
    .prepare<[number], { state: string; attempts: number; run_after: number; last_error: string | null }>(
      'SELECT state, attempts, run_after, last_error FROM jobs WHERE id = ?',
    )
    .get(id)!

describe('the job queue', () => {
  it('never queues the same work twice while it waits or runs, but again once done', async () => {
    const t = store()
    const first = await t.store.jobs.enqueue({ kind: 'x', owner: 'bot', payload: {}, dedupeKey: 'same' }, t.now())
    expect(first).toBeDefined()
    expect(
      await t.store.jobs.enqueue({ kind: 'x', owner: 'bot', payload: {}, dedupeKey: 'same' }, t.now()),
    ).toBeUndefined()
    await runner(t, { x: async () => {} }).runOnce()
    expect(
      await t.store.jobs.enqueue({ kind: 'x', owner: 'bot', payload: {}, dedupeKey: 'same' }, t.now()),
    ).toBeDefined()
  })

  it('retries a failure with exponential backoff, then dead-letters it after max attempts', async () => {
    const t = store()
    const id = (await t.store.jobs.enqueue({ kind: 'flaky', owner: 'bot', payload: {}, maxAttempts: 3 }, t.now()))!
    const r = runner(t, { flaky: () => Promise.reject(new Error('chat not found')) })
    expect(await r.runOnce()).toBe(true)
    expect(stateOf(t, id)).toMatchObject({
      state: 'queued',
      attempts: 1,
      run_after: t.now() + 1000,
      last_error: 'Error: chat not found',
    })
    expect(await r.runOnce()).toBe(false) // not due yet
    t.advance(1000)
    await r.runOnce()
    expect(stateOf(t, id)).toMatchObject({ state: 'queued', attempts: 2, run_after: t.now() + 2000 })
    t.advance(2000)
    await r.runOnce()
    expect(stateOf(t, id)).toMatchObject({ state: 'dead', attempts: 3 })
    // An admin's retry brings it back with fresh attempts.
    expect(await t.store.jobs.revive(id, t.now())).toBe(true)
    expect(stateOf(t, id)).toMatchObject({ state: 'queued', attempts: 0 })
  })

  it("waits exactly Telegram's retry_after, without charging an attempt", async () => {
    const t = store()
    const id = (await t.store.jobs.enqueue({ kind: 'send', owner: 'bot', payload: {}, maxAttempts: 2 }, t.now()))!
    let calls = 0
    const r = runner(t, { send: () => (++calls <= 3 ? Promise.reject(new RetryAfter(42)) : Promise.resolve()) })
    for (let i = 0; i < 3; i++) {
      await r.runOnce()
      const s = stateOf(t, id)
      expect(s).toMatchObject({ state: 'queued', attempts: 0 })
      expect(s.run_after - t.now()).toBeGreaterThanOrEqual(42_000)
      expect(s.run_after - t.now()).toBeLessThan(42_300)
      t.advance(41_000)
      expect(await r.runOnce()).toBe(false)
      t.advance(1_300)
    }
    await r.runOnce()
    expect(stateOf(t, id)).toMatchObject({ state: 'done' })
  })

  it('kills a job at once on a permanent error, or when no handler knows its kind', async () => {
    const t = store()
    const a = (await t.store.jobs.enqueue({ kind: 'bad', owner: 'bot', payload: {} }, t.now()))!
    const b = (await t.store.jobs.enqueue({ kind: 'unknown', owner: 'bot', payload: {} }, t.now()))!
    const r = runner(t, { bad: () => Promise.reject(new PermanentJobError('user is deactivated')) })
    await r.runOnce()
    await r.runOnce()
    expect(stateOf(t, a).state).toBe('dead')
    expect(stateOf(t, b)).toMatchObject({
      state: 'dead',
      last_error: 'PermanentJobError: no handler for job kind unknown',
    })
  })

  it('resumes a job whose runner died mid-job once its lease runs out (a restart)', async () => {
    const t = store()
    const id = (await t.store.jobs.enqueue({ kind: 'invite', owner: 'bot', payload: { n: 1 } }, t.now()))!
    // The first process claims the job and "crashes": nothing completes it.
    const claimed = await t.store.jobs.claim('bot', t.now(), 60_000)
    expect(claimed?.id).toBe(id)
    await t.store.close()
    // A new process over the same file.
    const { store: restarted } = await openStore({ databasePath: t.dbPath, clock: () => t.now() })
    const seen: unknown[] = []
    const r = runner(
      t,
      {
        invite: (job) => {
          seen.push(job.payload)
          return Promise.resolve()
        },
      },
      restarted.jobs,
    )
    expect(await r.runOnce()).toBe(false) // still leased
    t.advance(60_000)
    expect(await r.runOnce()).toBe(true)
    expect(seen).toEqual([{ n: 1 }])
    expect(stateOf(t, id)).toMatchObject({ state: 'done', attempts: 2 })
    await restarted.close()
  })

  it('the loop runs due jobs by itself and stops cleanly', async () => {
    const t = store()
    const done: number[] = []
    const r = new JobRunner({
      owner: 'bot',
      jobs: t.store.jobs,
      handlers: {
        n: (job) => {
          done.push((job.payload as { i: number }).i)
          return Promise.resolve()
        },
      },
      logger: pino({ level: 'silent' }),
      idleMs: 20,
      perSecond: 1000,
    })
    for (let i = 0; i < 5; i++) await t.store.jobs.enqueue({ kind: 'n', owner: 'bot', payload: { i } }, Date.now())
    r.start()
    const deadline = Date.now() + 3000
    while (done.length < 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    await r.stop()
    expect(done).toEqual([0, 1, 2, 3, 4])
  })
})

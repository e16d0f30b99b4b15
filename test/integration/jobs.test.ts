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
    const claimed = await t.store.jobs.claim('bot', t.now(), { leaseMs: 60_000 })
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

/** Resolves once `check` holds, polling; fails the test after a few seconds. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** A handler that waits until released, recording who is inside. */
function gates() {
  const inside = new Set<number>()
  const entered: number[] = []
  const releases = new Map<number, () => void>()
  const handler: JobHandler = (job) => {
    const i = (job.payload as { i: number }).i
    inside.add(i)
    entered.push(i)
    return new Promise<void>((resolve) => {
      releases.set(i, () => {
        inside.delete(i)
        resolve()
      })
    })
  }
  return { inside, entered, handler, release: (i: number) => releases.get(i)?.() }
}

const liveRunner = (t: TestStore, handlers: Record<string, JobHandler>, over: object = {}) =>
  new JobRunner({
    owner: 'bot',
    jobs: t.store.jobs,
    handlers,
    logger: pino({ level: 'silent' }),
    idleMs: 20,
    perSecond: 1000,
    laneSpacingMs: 0,
    random: () => 1,
    ...over,
  })

describe('the job runner, several jobs at once', () => {
  it('runs jobs of different lanes together, and one job of a lane at a time', async () => {
    const t = store()
    const g = gates()
    for (const [i, lane] of [
      [0, 'member:1'],
      [1, 'member:2'],
      [2, 'member:1'],
      [3, 'member:3'],
    ] as const) {
      await t.store.jobs.enqueue({ kind: 'g', owner: 'bot', payload: { i }, lane }, Date.now())
    }
    const r = liveRunner(t, { g: g.handler })
    r.start()
    await until(() => g.inside.size === 3, 'three lanes at once')
    expect([...g.inside].sort()).toEqual([0, 1, 3])
    g.release(0)
    await until(() => g.inside.has(2), 'the second job of member:1 once the first is done')
    for (const i of [1, 2, 3]) g.release(i)
    await r.stop()
    expect(g.entered.indexOf(2)).toBeGreaterThan(g.entered.indexOf(0))
  })

  it('frees the slot of a handler that never settles, and retries it with backoff; the others go on', async () => {
    const t = store()
    const never = (await t.store.jobs.enqueue({ kind: 'hang', owner: 'bot', payload: {} }, Date.now()))!
    const quick = (await t.store.jobs.enqueue({ kind: 'quick', owner: 'bot', payload: {} }, Date.now()))!
    const r = liveRunner(
      t,
      { hang: () => new Promise<void>(() => undefined), quick: () => Promise.resolve() },
      { concurrency: 1, attemptTimeoutMs: 50, backoffBaseMs: 60_000 },
    )
    r.start()
    await until(() => stateOf(t, quick).state === 'done', 'the quick job')
    await r.stop()
    expect(stateOf(t, never)).toMatchObject({ state: 'queued', attempts: 1 })
    expect(stateOf(t, never).last_error).toMatch(/^JobTimeoutError/)
  })

  it('keeps a long job its own by renewing the lease; another runner cannot take it', async () => {
    const t = store()
    const g = gates()
    await t.store.jobs.enqueue({ kind: 'g', owner: 'bot', payload: { i: 0 } }, Date.now())
    const r = liveRunner(t, { g: g.handler }, { leaseMs: 60 })
    r.start()
    await until(() => g.inside.size === 1, 'the job started')
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(await t.store.jobs.claim('bot', Date.now(), { leaseMs: 60 })).toBeUndefined()
    g.release(0)
    await r.stop()
  })

  it('starts nothing while held (Telegram asked the whole bot to wait), then runs the queue', async () => {
    const t = store()
    let heldUntil = Date.now() + 150
    const ran: number[] = []
    await t.store.jobs.enqueue({ kind: 'n', owner: 'bot', payload: {} }, Date.now())
    const r = liveRunner(t, { n: () => Promise.resolve(void ran.push(Date.now())) }, { holdUntil: () => heldUntil })
    const started = Date.now()
    r.start()
    await until(() => ran.length === 1, 'the job, once the hold is over')
    heldUntil = 0
    await r.stop()
    expect(ran[0]! - started).toBeGreaterThanOrEqual(140)
  })
})

describe('a message after a crash', () => {
  it('is sent again once (the member may get it twice), never a third time', async () => {
    const t = store()
    const id = (await t.store.jobs.enqueue({ kind: 'say', owner: 'bot', payload: {}, lane: 'member:1' }, t.now()))!
    let sent = 0
    const r = runner(t, {
      say: async (_job, context) => {
        await context.deliver(
          () => Promise.resolve(++sent),
          () => false,
        )
      },
    })
    // Two attempts cut off right after starting their call (the process died): the lease runs out.
    for (let crash = 0; crash < 2; crash++) {
      const lease = (await t.store.jobs.claim('bot', t.now(), { leaseMs: 1000 }))!
      expect(lease.callsInDoubt).toBe(crash)
      await t.store.jobs.recordCallStarted(lease, t.now())
      sent++
      t.advance(1000)
    }
    await r.runOnce()
    expect(sent).toBe(2)
    expect(stateOf(t, id).state).toBe('done')
  })

  it('is sent when the earlier call was refused by Telegram (it had no effect)', async () => {
    const t = store()
    await t.store.jobs.enqueue({ kind: 'say', owner: 'bot', payload: {} }, t.now())
    let calls = 0
    const refusal = new Error('Bad Gateway')
    const r = runner(t, {
      say: async (_job, context) => {
        await context.deliver(
          () => (++calls <= 2 ? Promise.reject(refusal) : Promise.resolve()),
          (e) => e === refusal,
        )
      },
    })
    for (let i = 0; i < 3; i++) {
      await r.runOnce()
      t.advance(3_600_000)
    }
    expect(calls).toBe(3)
  })

  it('changes nothing from a runner that lost its lease', async () => {
    const t = store()
    const id = (await t.store.jobs.enqueue({ kind: 'x', owner: 'bot', payload: {} }, t.now()))!
    const stale = (await t.store.jobs.claim('bot', t.now(), { leaseMs: 1000 }))!
    t.advance(1000)
    const fresh = (await t.store.jobs.claim('bot', t.now(), { leaseMs: 1000 }))!
    expect(fresh.id).toBe(id)
    expect(await t.store.jobs.complete(stale, t.now())).toBe(false)
    expect(await t.store.jobs.renew(stale, t.now() + 1000, t.now())).toBe(false)
    expect(stateOf(t, id).state).toBe('running')
    expect(await t.store.jobs.complete(fresh, t.now())).toBe(true)
  })
})

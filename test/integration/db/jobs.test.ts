import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_ATTEMPTS, jobs, type NewJob } from '../../../src/jobs/kinds.js'
import { MINUTE, SECOND } from '../../../src/time.js'
import type { ClaimOptions, JobRepository, LeasedJob } from '../../../src/db/jobs.js'
import { describeStore } from '../../support/contract.js'

// The job table's contract. The runner over it (backoff, handlers) is test/integration/jobs.test.ts.

/** The lease of the last claim of a test (a runner's proof that it holds the job). */
let lease: LeasedJob

/** Claims, and fails the test when nothing was due. */
async function claimed(
  t: { store: { jobs: { claim: JobRepository['claim'] } } },
  owner: 'bot' | 'worker',
  now: number,
  options: ClaimOptions,
): Promise<LeasedJob> {
  const job = await t.store.jobs.claim(owner, now, options)
  if (!job) throw new Error('nothing was due')
  return job
}

const job = (over: Partial<NewJob> = {}): NewJob => ({ kind: 'test.kind', owner: 'bot', payload: { n: 1 }, ...over })

describeStore('jobs', (open) => {
  describe('enqueue', () => {
    it('queues a job, due now unless told otherwise, with the default attempts', async () => {
      const t = await open()
      const id = await t.store.jobs.enqueue(jobs.memberInvite(3, 4), t.now())
      expect(id).toBeTypeOf('number')
      expect(await t.store.jobs.findById(id!)).toEqual({
        id,
        kind: 'member.invite',
        owner: 'bot',
        payload: { memberId: 3, chatId: 4 },
        dedupeKey: 'member.invite:3:4',
        lane: 'member:3',
        state: 'queued',
        attempts: 0,
        maxAttempts: DEFAULT_MAX_ATTEMPTS,
        runAfter: t.now(),
        lastError: null,
        callsInDoubt: 0,
        createdAt: t.now(),
      })
    })

    it('keeps the run time and attempts given, to the ms, and any JSON payload', async () => {
      const t = await open()
      const payload = { text: 'héllo', list: [1, null, { deep: true }] }
      const id = await t.store.jobs.enqueue(
        job({ owner: 'worker', payload, runAfter: t.now() + 1234, maxAttempts: 2 }),
        t.now(),
      )
      expect(await t.store.jobs.findById(id!)).toMatchObject({
        owner: 'worker',
        payload,
        dedupeKey: null,
        runAfter: t.now() + 1234,
        maxAttempts: 2,
      })
    })

    it('does not queue a job whose dedupe key waits or runs; queues it again once that one is done or dead', async () => {
      const t = await open()
      const first = await t.store.jobs.enqueue(job({ dedupeKey: 'same' }), t.now())
      expect(first).toBeDefined()
      expect(await t.store.jobs.enqueue(job({ dedupeKey: 'same', payload: { n: 2 } }), t.now())).toBeUndefined()
      lease = await claimed(t, 'bot', t.now(), { leaseMs: MINUTE })
      expect(await t.store.jobs.enqueue(job({ dedupeKey: 'same' }), t.now())).toBeUndefined()
      await t.store.jobs.complete(lease, t.now())
      const second = await t.store.jobs.enqueue(job({ dedupeKey: 'same' }), t.now())
      expect(second).toBeDefined()
      expect(second).not.toBe(first)
      lease = await claimed(t, 'bot', t.now(), { leaseMs: MINUTE })
      expect(lease.id).toBe(second)
      await t.store.jobs.kill(lease, 'gave up', t.now())
      const third = await t.store.jobs.enqueue(job({ dedupeKey: 'same' }), t.now())
      expect(third).toBeDefined()
      expect(new Set([first, second, third]).size).toBe(3)
      // Another key, or none, is another job.
      expect(await t.store.jobs.enqueue(job({ dedupeKey: 'other' }), t.now())).toBeDefined()
      const a = await t.store.jobs.enqueue(job(), t.now())
      const b = await t.store.jobs.enqueue(job(), t.now())
      expect(a).toBeDefined()
      expect(b).toBeDefined()
      expect(a).not.toBe(b)
    })

    it('finds no job by an id nobody has', async () => {
      const t = await open()
      const id = await t.store.jobs.enqueue(job(), t.now())
      expect(await t.store.jobs.findById(id! + 1)).toBeUndefined()
    })
  })

  describe('claim', () => {
    it('takes the due job of its owner, running, with the attempt counted', async () => {
      const t = await open()
      await t.store.jobs.enqueue(job({ owner: 'worker', kind: 'worker.job' }), t.now())
      const id = await t.store.jobs.enqueue(job(), t.now())
      const claimed = await t.store.jobs.claim('bot', t.now(), { leaseMs: MINUTE })
      expect(claimed).toMatchObject({ id, kind: 'test.kind', owner: 'bot', state: 'running', attempts: 1 })
      expect(await t.store.jobs.findById(id!)).toMatchObject({ state: 'running', attempts: 1 })
      expect(await t.store.jobs.claim('bot', t.now(), { leaseMs: MINUTE })).toBeUndefined()
      expect((await t.store.jobs.claim('worker', t.now(), { leaseMs: MINUTE }))?.kind).toBe('worker.job')
    })

    it('takes nothing before a job’s run time, to the ms', async () => {
      const t = await open()
      const id = await t.store.jobs.enqueue(job({ runAfter: t.now() + 1500 }), t.now())
      expect(await t.store.jobs.claim('bot', t.now(), { leaseMs: MINUTE })).toBeUndefined()
      expect(await t.store.jobs.claim('bot', t.now() + 1499, { leaseMs: MINUTE })).toBeUndefined()
      expect((await t.store.jobs.claim('bot', t.now() + 1500, { leaseMs: MINUTE }))?.id).toBe(id)
    })

    it('takes the job due first, then the oldest', async () => {
      const t = await open()
      const later = await t.store.jobs.enqueue(job({ runAfter: t.now() + 2 * SECOND }), t.now())
      const a = await t.store.jobs.enqueue(job({ runAfter: t.now() + SECOND }), t.now())
      const b = await t.store.jobs.enqueue(job({ runAfter: t.now() + SECOND }), t.now())
      const now = t.now() + 5 * SECOND
      const order = []
      for (let i = 0; i < 3; i++) order.push((await t.store.jobs.claim('bot', now, { leaseMs: MINUTE }))?.id)
      expect(order).toEqual([a, b, later])
    })

    it('takes a running job again once its lease has run out (its runner died), counting the attempt', async () => {
      const t = await open()
      const id = await t.store.jobs.enqueue(job(), t.now())
      lease = await claimed(t, 'bot', t.now(), { leaseMs: 1500 })
      expect(await t.store.jobs.claim('bot', t.now() + 1499, { leaseMs: 1500 })).toBeUndefined()
      const again = await t.store.jobs.claim('bot', t.now() + 1500, { leaseMs: 1500 })
      expect(again).toMatchObject({ id, state: 'running', attempts: 2 })
    })

    it('never hands the same job to two claims of the same moment', async () => {
      const t = await open()
      for (let i = 0; i < 5; i++) await t.store.jobs.enqueue(job(), t.now())
      const claims = await Promise.all(
        Array.from({ length: 8 }, () => t.store.jobs.claim('bot', t.now(), { leaseMs: MINUTE })),
      )
      const ids = claims.flatMap((c) => (c ? [c.id] : []))
      expect(ids).toHaveLength(5)
      expect(new Set(ids).size).toBe(5)
    })
  })

  describe('complete, retry, kill, revive', () => {
    it('completes a job: done, no error, never claimed again', async () => {
      const t = await open()
      const id = await t.store.jobs.enqueue(job(), t.now())
      lease = await claimed(t, 'bot', t.now(), { leaseMs: MINUTE })
      await t.store.jobs.retry(lease, t.now(), 'first try failed', t.now(), { countAttempt: true })
      lease = await claimed(t, 'bot', t.now(), { leaseMs: MINUTE })
      await t.store.jobs.complete(lease, t.now())
      expect(await t.store.jobs.findById(id!)).toMatchObject({ state: 'done', lastError: null, attempts: 2 })
      expect(await t.store.jobs.claim('bot', t.now() + 10 * MINUTE, { leaseMs: MINUTE })).toBeUndefined()
    })

    it('puts a job back until runAfter with its error, the attempt charged', async () => {
      const t = await open()
      const id = await t.store.jobs.enqueue(job(), t.now())
      lease = await claimed(t, 'bot', t.now(), { leaseMs: MINUTE })
      await t.store.jobs.retry(lease, t.now() + 2500, 'ETIMEDOUT', t.now(), { countAttempt: true })
      expect(await t.store.jobs.findById(id!)).toMatchObject({
        state: 'queued',
        attempts: 1,
        runAfter: t.now() + 2500,
        lastError: 'ETIMEDOUT',
      })
      expect(await t.store.jobs.claim('bot', t.now() + 2499, { leaseMs: MINUTE })).toBeUndefined()
      expect(await t.store.jobs.claim('bot', t.now() + 2500, { leaseMs: MINUTE })).toMatchObject({ id, attempts: 2 })
    })

    it('does not charge an attempt Telegram’s “retry after” cost', async () => {
      const t = await open()
      const id = await t.store.jobs.enqueue(job(), t.now())
      lease = await claimed(t, 'bot', t.now(), { leaseMs: MINUTE })
      await t.store.jobs.retry(lease, t.now() + 30 * SECOND, 'retry after 30', t.now(), { countAttempt: false })
      expect(await t.store.jobs.findById(id!)).toMatchObject({
        state: 'queued',
        attempts: 0,
        lastError: 'retry after 30',
      })
    })

    it('kills a job: dead with its error, kept, never claimed; an admin revives it as new', async () => {
      const t = await open()
      const id = await t.store.jobs.enqueue(job({ maxAttempts: 1 }), t.now())
      lease = await claimed(t, 'bot', t.now(), { leaseMs: MINUTE })
      await t.store.jobs.kill(lease, 'chat not found', t.now())
      expect(await t.store.jobs.findById(id!)).toMatchObject({
        state: 'dead',
        attempts: 1,
        lastError: 'chat not found',
      })
      expect(await t.store.jobs.claim('bot', t.now() + MINUTE, { leaseMs: MINUTE })).toBeUndefined()
      t.advance(MINUTE)
      expect(await t.store.jobs.revive(id!, t.now())).toBe(true)
      expect(await t.store.jobs.findById(id!)).toMatchObject({ state: 'queued', attempts: 0, runAfter: t.now() })
      expect((await t.store.jobs.claim('bot', t.now(), { leaseMs: MINUTE }))?.id).toBe(id)
    })

    it('revives only a dead job', async () => {
      const t = await open()
      const id = await t.store.jobs.enqueue(job(), t.now())
      expect(await t.store.jobs.revive(id!, t.now())).toBe(false)
      lease = await claimed(t, 'bot', t.now(), { leaseMs: MINUTE })
      expect(await t.store.jobs.revive(id!, t.now())).toBe(false)
      await t.store.jobs.complete(lease, t.now())
      expect(await t.store.jobs.revive(id!, t.now())).toBe(false)
      expect(await t.store.jobs.findById(id!)).toMatchObject({ state: 'done' })
      expect(await t.store.jobs.revive(id! + 1, t.now())).toBe(false)
    })

    it('revives a dead job whose identical job was queued since without queueing it twice', async () => {
      // A member.invite that died, then the same invite queued again by a later reconcile: the
      // admin's retry of the dead one must answer, and the work must still wait only once.
      const t = await open()
      const dead = await t.store.jobs.enqueue(jobs.memberInvite(1, 2), t.now())
      lease = await claimed(t, 'bot', t.now(), { leaseMs: MINUTE })
      await t.store.jobs.kill(lease, 'bot blocked', t.now())
      const twin = await t.store.jobs.enqueue(jobs.memberInvite(1, 2), t.now())
      expect(twin).toBeDefined()
      await expect(t.store.jobs.revive(dead!, t.now())).resolves.toBeTypeOf('boolean')
      const waiting = (await t.store.jobs.recent(10)).filter(
        (j) => j.dedupeKey === 'member.invite:1:2' && (j.state === 'queued' || j.state === 'running'),
      )
      expect(waiting).toHaveLength(1)
    })
  })

  describe('reading', () => {
    it('lists the newest jobs first, up to the limit, optionally of one state', async () => {
      const t = await open()
      const ids = []
      for (let i = 0; i < 4; i++) ids.push((await t.store.jobs.enqueue(job(), t.now()))!)
      lease = await claimed(t, 'bot', t.now(), { leaseMs: MINUTE })
      await t.store.jobs.kill(lease, 'x', t.now())
      expect((await t.store.jobs.recent(3)).map((j) => j.id)).toEqual([ids[3], ids[2], ids[1]])
      expect((await t.store.jobs.recent(10, 'queued')).map((j) => j.id)).toEqual([ids[3], ids[2], ids[1]])
      expect((await t.store.jobs.recent(10, 'dead')).map((j) => j.id)).toEqual([ids[0]])
      expect(await t.store.jobs.recent(10, 'done')).toEqual([])
    })

    it('counts jobs per owner and state, zeros included', async () => {
      const t = await open()
      const zero = { queued: 0, running: 0, done: 0, dead: 0 }
      expect(await t.store.jobs.counts()).toEqual({ bot: zero, worker: zero })
      for (let i = 0; i < 3; i++) await t.store.jobs.enqueue(job(), t.now())
      await t.store.jobs.enqueue(job({ owner: 'worker' }), t.now())
      const running = await t.store.jobs.claim('bot', t.now(), { leaseMs: MINUTE })
      const done = await t.store.jobs.claim('bot', t.now(), { leaseMs: MINUTE })
      await t.store.jobs.complete(done!, t.now())
      expect(running).toBeDefined()
      expect(await t.store.jobs.counts()).toEqual({
        bot: { queued: 1, running: 1, done: 1, dead: 0 },
        worker: { queued: 1, running: 0, done: 0, dead: 0 },
      })
    })

    it('tells when the next job of an owner is due, or its lease runs out', async () => {
      const t = await open()
      expect(await t.store.jobs.nextDue('bot')).toBeUndefined()
      const now = t.now()
      await t.store.jobs.enqueue(job({ owner: 'worker', runAfter: now + 100 }), now)
      await t.store.jobs.enqueue(job({ runAfter: now + 5000 }), now)
      expect(await t.store.jobs.nextDue('bot')).toBe(now + 5000)
      expect(await t.store.jobs.nextDue('worker')).toBe(now + 100)
      await t.store.jobs.enqueue(job({ runAfter: now + 1000 }), now)
      expect(await t.store.jobs.nextDue('bot')).toBe(now + 1000)
      // Running: due again when its lease runs out.
      lease = await claimed(t, 'bot', now + 1000, { leaseMs: 300 })
      expect(await t.store.jobs.nextDue('bot')).toBe(now + 1300)
      await t.store.jobs.complete(lease, now + 1100)
      expect(await t.store.jobs.nextDue('bot')).toBe(now + 5000)
      const last = await t.store.jobs.claim('bot', now + 5000, { leaseMs: MINUTE })
      await t.store.jobs.kill(last!, 'x', now + 5000)
      expect(await t.store.jobs.nextDue('bot')).toBeUndefined()
    })
  })
})

describeStore('jobs: leases and lanes', (open) => {
  it('renews a lease only for its holder, and a lost lease changes nothing', async () => {
    const t = await open()
    const id = await t.store.jobs.enqueue(job(), t.now())
    const first = await claimed(t, 'bot', t.now(), { leaseMs: SECOND })
    expect(await t.store.jobs.renew(first, t.now() + 2 * SECOND, t.now())).toBe(true)
    expect(await t.store.jobs.claim('bot', t.now() + SECOND, { leaseMs: SECOND })).toBeUndefined()
    const second = await claimed(t, 'bot', t.now() + 2 * SECOND, { leaseMs: SECOND })
    expect(second.id).toBe(id)
    expect(second.leaseToken).not.toBe(first.leaseToken)
    expect(await t.store.jobs.renew(first, t.now() + 5 * SECOND, t.now())).toBe(false)
    expect(await t.store.jobs.complete(first, t.now())).toBe(false)
    expect(await t.store.jobs.retry(first, t.now(), 'late', t.now(), { countAttempt: true })).toBe(false)
    expect(await t.store.jobs.kill(first, 'late', t.now())).toBe(false)
    expect(await t.store.jobs.findById(id!)).toMatchObject({ state: 'running', attempts: 2 })
    expect(await t.store.jobs.complete(second, t.now())).toBe(true)
  })

  it('runs one job of a lane at a time, and skips the lanes the claimer excludes', async () => {
    const t = await open()
    const a1 = await t.store.jobs.enqueue(job({ lane: 'member:1' }), t.now())
    const a2 = await t.store.jobs.enqueue(job({ lane: 'member:1' }), t.now())
    const b = await t.store.jobs.enqueue(job({ lane: 'member:2' }), t.now())
    const free = await t.store.jobs.enqueue(job(), t.now())
    const first = await claimed(t, 'bot', t.now(), { leaseMs: MINUTE })
    expect(first.id).toBe(a1)
    expect((await claimed(t, 'bot', t.now(), { leaseMs: MINUTE, excludeLanes: ['member:2'] })).id).toBe(free)
    expect((await claimed(t, 'bot', t.now(), { leaseMs: MINUTE })).id).toBe(b)
    expect(await t.store.jobs.claim('bot', t.now(), { leaseMs: MINUTE })).toBeUndefined()
    await t.store.jobs.complete(first, t.now())
    expect((await claimed(t, 'bot', t.now(), { leaseMs: MINUTE })).id).toBe(a2)
  })

  it('does not let a lane wait behind a job whose lease ran out', async () => {
    const t = await open()
    const a1 = await t.store.jobs.enqueue(job({ lane: 'member:1' }), t.now())
    await claimed(t, 'bot', t.now(), { leaseMs: SECOND })
    // Its runner died: once the lease is over, that job itself is due again.
    expect((await claimed(t, 'bot', t.now() + SECOND, { leaseMs: SECOND })).id).toBe(a1)
  })

  it('counts calls in doubt across attempts, and takes back a refused one; revive starts over', async () => {
    const t = await open()
    const id = await t.store.jobs.enqueue(job({ maxAttempts: 9 }), t.now())
    let lease = await claimed(t, 'bot', t.now(), { leaseMs: SECOND })
    expect(lease.callsInDoubt).toBe(0)
    expect(await t.store.jobs.recordCallStarted(lease, t.now())).toBe(true)
    expect(await t.store.jobs.recordCallStarted(lease, t.now())).toBe(true)
    expect(await t.store.jobs.recordCallRefused(lease, t.now())).toBe(true)
    lease = await claimed(t, 'bot', t.now() + SECOND, { leaseMs: SECOND })
    expect(lease.callsInDoubt).toBe(1)
    await t.store.jobs.kill(lease, 'x', t.now())
    expect(await t.store.jobs.recordCallStarted(lease, t.now())).toBe(false)
    expect(await t.store.jobs.revive(id!, t.now())).toBe(true)
    expect((await claimed(t, 'bot', t.now(), { leaseMs: SECOND })).callsInDoubt).toBe(0)
  })
})

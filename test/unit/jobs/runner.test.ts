/**
 * What test/integration/jobs.test.ts (the runner over the real job table) leaves out: the bounds
 * of the backoff's jitter and its cap, the spread after a retry_after and that it is never
 * charged, and the repository calls a failure makes. The job table is a fake here.
 */
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import type { JobRepository, LeasedJob } from '../../../src/db/jobs.js'
import { PermanentJobError } from '../../../src/jobs/errors.js'
import { type JobHandler, JobRunner, type JobRunnerOptions } from '../../../src/jobs/runner.js'
import { type Call, fake } from '../fakes.js'

const NOW = 1_700_000_000_000
const HOUR_MS = 3_600_000
/** How a call naming the claimed job's lease reads in the fake's log. */
const LEASE = expect.objectContaining({ id: 7, leaseToken: 'lease-7' }) as unknown

const job = (attempts: number, maxAttempts = 8): LeasedJob => ({
  id: 7,
  kind: 'send',
  owner: 'bot',
  payload: {},
  dedupeKey: null,
  lane: null,
  state: 'running',
  attempts,
  maxAttempts,
  runAfter: NOW,
  lastError: null,
  callsInDoubt: 0,
  createdAt: NOW,
  leaseToken: 'lease-7',
})

/** Telegram's "retry after", as an error a handler throws. */
class RetryAfter extends Error {
  constructor(readonly seconds: number) {
    super(`retry after ${String(seconds)}`)
  }
}

/** Runs `claimed` once through `handler`; resolves to the calls the job table saw. */
async function runOne(
  claimed: LeasedJob | undefined,
  handler: JobHandler,
  options: Partial<JobRunnerOptions> = {},
): Promise<{ ran: boolean; calls: Call[] }> {
  const calls: Call[] = []
  const jobs = fake<JobRepository>(
    'jobs',
    {
      claim: () => Promise.resolve(claimed),
      complete: () => Promise.resolve(true),
      retry: () => Promise.resolve(true),
      kill: () => Promise.resolve(true),
      renew: () => Promise.resolve(true),
    },
    calls,
  )
  const runner = new JobRunner({
    owner: 'bot',
    jobs,
    handlers: { send: handler },
    logger: pino({ level: 'silent' }),
    clock: () => NOW,
    retryAfterOf: (e) => (e instanceof RetryAfter ? e.seconds : undefined),
    ...options,
  })
  const ran = await runner.runOnce()
  return { ran, calls }
}

/** A handler that fails with `error` (not always an Error: a library may throw a string). */
const failing =
  (error: unknown): JobHandler =>
  () => {
    throw error
  }
/** The delay a failure was retried after, in ms. */
const delayOf = (calls: Call[]): number => (calls.find(([name]) => name === 'jobs.retry')?.[2] as number) - NOW

describe('JobRunner', () => {
  it('claims for its owner with the default five-second lease, and says so when nothing is due', async () => {
    const { ran, calls } = await runOne(undefined, () => Promise.resolve())
    expect(ran).toBe(false)
    expect(calls).toEqual([['jobs.claim', 'bot', NOW, { leaseMs: 5000, excludeLanes: [] }]])
  })

  it('completes a job its handler ran', async () => {
    const { ran, calls } = await runOne(job(1), () => Promise.resolve())
    expect(ran).toBe(true)
    expect(calls).toEqual([
      ['jobs.claim', 'bot', NOW, { leaseMs: 5000, excludeLanes: [] }],
      ['jobs.complete', LEASE, NOW],
    ])
  })

  describe('backoff', () => {
    it('retries after base × 2^(attempts−1), jittered between half of it and all of it, and charges the attempt', async () => {
      const low = await runOne(job(1), failing(new Error('boom')), { random: () => 0 })
      expect(low.calls.at(-1)).toEqual(['jobs.retry', LEASE, NOW + 1000, 'Error: boom', NOW, { countAttempt: true }])
      const high = await runOne(job(1), failing(new Error('boom')), { random: () => 0.999_999 })
      expect(delayOf(high.calls)).toBe(1999)
      // The third attempt failed: 2000 × 2² = 8000, so 4000 to 8000.
      expect(delayOf((await runOne(job(3), failing(new Error('x')), { random: () => 0 })).calls)).toBe(4000)
      expect(delayOf((await runOne(job(3), failing(new Error('x')), { random: () => 0.5 })).calls)).toBe(6000)
    })

    it('takes its base from the options', async () => {
      const { calls } = await runOne(job(2), failing(new Error('x')), { random: () => 0, backoffBaseMs: 100 })
      expect(delayOf(calls)).toBe(100)
    })

    it('never waits more than backoffMaxMs (1 h by default), however many attempts failed', async () => {
      for (const attempts of [12, 40, 2000]) {
        const top = await runOne(job(attempts, 5000), failing(new Error('x')), { random: () => 0.999_999 })
        expect(delayOf(top.calls)).toBeLessThanOrEqual(HOUR_MS)
        expect(delayOf(top.calls)).toBeGreaterThan(HOUR_MS - 10)
        const bottom = await runOne(job(attempts, 5000), failing(new Error('x')), { random: () => 0 })
        expect(delayOf(bottom.calls)).toBe(HOUR_MS / 2)
      }
      const capped = await runOne(job(10, 20), failing(new Error('x')), { random: () => 0, backoffMaxMs: 5000 })
      expect(delayOf(capped.calls)).toBe(2500)
    })

    it('names a thrown non-Error by its string', async () => {
      const { calls } = await runOne(job(1), failing('socket hang up'), { random: () => 0 })
      expect(calls.at(-1)?.[3]).toBe('socket hang up')
    })
  })

  describe("Telegram's retry_after", () => {
    it('reschedules exactly then, plus under 250 ms of spread, without charging the attempt', async () => {
      const low = await runOne(job(1), failing(new RetryAfter(42)), { random: () => 0 })
      expect(low.calls.at(-1)).toEqual([
        'jobs.retry',
        LEASE,
        NOW + 42_000,
        'Error: retry after 42',
        NOW,
        { countAttempt: false },
      ])
      const high = await runOne(job(1), failing(new RetryAfter(42)), { random: () => 0.999_999 })
      expect(delayOf(high.calls)).toBe(42_249)
    })

    it('is not charged on the last attempt either: the job waits instead of dying', async () => {
      const { calls } = await runOne(job(8, 8), failing(new RetryAfter(3)), { random: () => 0 })
      expect(calls.map(([name]) => name)).toEqual(['jobs.claim', 'jobs.retry'])
      expect(calls.at(-1)?.[2]).toBe(NOW + 3000)
      expect(calls.at(-1)?.[5]).toEqual({ countAttempt: false })
    })
  })

  describe('dead jobs', () => {
    it('kills a job at once on a PermanentJobError, attempts left or not', async () => {
      const { calls } = await runOne(job(1, 8), failing(new PermanentJobError('user is deactivated')))
      expect(calls.slice(1)).toEqual([['jobs.kill', LEASE, 'PermanentJobError: user is deactivated', NOW]])
    })

    it('kills a job whose last attempt failed, instead of retrying it', async () => {
      const { calls } = await runOne(job(8, 8), failing(new Error('chat not found')))
      expect(calls.slice(1)).toEqual([['jobs.kill', LEASE, 'Error: chat not found', NOW]])
    })
  })
})

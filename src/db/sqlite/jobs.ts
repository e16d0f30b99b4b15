import type { Job, JobCounts, JobRepository, JobState } from '../jobs.js'
import { DEFAULT_MAX_ATTEMPTS, type JobOwner, type NewJob } from '../../jobs/kinds.js'
import type { SqliteDatabase } from './open.js'
import { fromUnixSeconds, toUnixSeconds } from '../../time.js'

interface JobRow {
  id: number
  kind: string
  owner: JobOwner
  payload: string
  dedupe_key: string | null
  state: JobState
  attempts: number
  max_attempts: number
  run_after: number
  last_error: string | null
  created_at: number
}

const toJob = (r: JobRow): Job => ({
  id: r.id,
  kind: r.kind,
  owner: r.owner,
  payload: JSON.parse(r.payload) as unknown,
  dedupeKey: r.dedupe_key,
  state: r.state,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  runAfter: r.run_after,
  lastError: r.last_error,
  createdAt: fromUnixSeconds(r.created_at),
})

/** Longest error text kept on a job. */
const MAX_ERROR_LENGTH = 1000

/** The durable job table. Times passed in are milliseconds since the epoch. */
export class SqliteJobRepository implements JobRepository {
  private readonly s

  constructor(db: SqliteDatabase) {
    this.s = {
      insert: db.prepare<
        [
          {
            kind: string
            owner: JobOwner
            payload: string
            dedupeKey: string | null
            runAfter: number
            maxAttempts: number
            now: number
          },
        ],
        { id: number }
      >(
        `INSERT OR IGNORE INTO jobs (kind, owner, payload, dedupe_key, max_attempts, run_after, created_at, updated_at)
         VALUES (@kind, @owner, @payload, @dedupeKey, @maxAttempts, @runAfter, @now, @now) RETURNING id`,
      ),
      // One statement, so two runners never claim the same job. A running job whose lease has
      // expired belongs to a runner that died mid-job: it is claimed again (at least once).
      claim: db.prepare<[{ owner: JobOwner; now: number; nowSec: number; leaseUntil: number }], JobRow>(
        `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = @leaseUntil, updated_at = @nowSec
         WHERE id = (
           SELECT id FROM jobs
           WHERE owner = @owner AND ((state = 'queued' AND run_after <= @now) OR (state = 'running' AND lease_until <= @now))
           ORDER BY run_after, id LIMIT 1)
         RETURNING *`,
      ),
      done: db.prepare<[{ id: number; nowSec: number }]>(
        `UPDATE jobs SET state = 'done', lease_until = NULL, last_error = NULL, updated_at = @nowSec WHERE id = @id`,
      ),
      retry: db.prepare<[{ id: number; runAfter: number; error: string; refund: number; nowSec: number }]>(
        `UPDATE jobs SET state = 'queued', lease_until = NULL, run_after = @runAfter, last_error = @error,
           attempts = max(0, attempts - @refund), updated_at = @nowSec WHERE id = @id`,
      ),
      dead: db.prepare<[{ id: number; error: string; nowSec: number }]>(
        `UPDATE jobs SET state = 'dead', lease_until = NULL, last_error = @error, updated_at = @nowSec WHERE id = @id`,
      ),
      revive: db.prepare<[{ id: number; now: number; nowSec: number }]>(
        `UPDATE jobs SET state = 'queued', attempts = 0, run_after = @now, lease_until = NULL, updated_at = @nowSec
         WHERE id = @id AND state = 'dead'`,
      ),
      byId: db.prepare<[number], JobRow>('SELECT * FROM jobs WHERE id = ?'),
      recent: db.prepare<[{ state: string | null; limit: number }], JobRow>(
        `SELECT * FROM jobs WHERE @state IS NULL OR state = @state ORDER BY id DESC LIMIT @limit`,
      ),
      counts: db.prepare<[], { owner: JobOwner; state: JobState; n: number }>(
        'SELECT owner, state, count(*) AS n FROM jobs GROUP BY owner, state',
      ),
      nextRunAfter: db.prepare<[JobOwner], { t: number | null }>(
        `SELECT min(CASE state WHEN 'queued' THEN run_after ELSE lease_until END) AS t FROM jobs
         WHERE owner = ? AND state IN ('queued', 'running')`,
      ),
    }
  }

  /** Queues a job; resolves to its id, or undefined when an identical one is already waiting. */
  async enqueue(job: NewJob, now: number): Promise<number | undefined> {
    return this.enqueueSync(job, now)
  }

  /** @internal for use inside another repository's transaction */
  enqueueSync(job: NewJob, now: number): number | undefined {
    return this.s.insert.get({
      kind: job.kind,
      owner: job.owner,
      payload: JSON.stringify(job.payload ?? null),
      dedupeKey: job.dedupeKey ?? null,
      runAfter: job.runAfter ?? now,
      maxAttempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      now: toUnixSeconds(now),
    })?.id
  }

  /** Takes the next due job of `owner` for `leaseMs`, or undefined when none is due. */
  async claim(owner: JobOwner, now: number, leaseMs: number): Promise<Job | undefined> {
    const row = this.s.claim.get({ owner, now, nowSec: toUnixSeconds(now), leaseUntil: now + leaseMs })
    return row && toJob(row)
  }

  async complete(id: number, now: number): Promise<void> {
    this.s.done.run({ id, nowSec: toUnixSeconds(now) })
  }

  /**
   * Puts a job back in the queue until `runAfter`. With `countAttempt: false` (Telegram said
   * "retry after N", which is not the job's fault) the attempt is not charged.
   */
  async retry(
    id: number,
    runAfter: number,
    error: string,
    now: number,
    options: { countAttempt: boolean },
  ): Promise<void> {
    this.s.retry.run({
      id,
      runAfter,
      error: error.slice(0, MAX_ERROR_LENGTH),
      refund: options.countAttempt ? 0 : 1,
      nowSec: toUnixSeconds(now),
    })
  }

  /** Gives up on a job: it stays, dead, for an admin to read and retry. */
  async kill(id: number, error: string, now: number): Promise<void> {
    this.s.dead.run({ id, error: error.slice(0, MAX_ERROR_LENGTH), nowSec: toUnixSeconds(now) })
  }

  /** An admin's retry of a dead job; resolves false if it was not dead. */
  async revive(id: number, now: number): Promise<boolean> {
    return this.s.revive.run({ id, now, nowSec: toUnixSeconds(now) }).changes === 1
  }

  async findById(id: number): Promise<Job | undefined> {
    const row = this.s.byId.get(id)
    return row && toJob(row)
  }

  /** The newest jobs, optionally only those in one state. */
  async recent(limit: number, state?: JobState): Promise<Job[]> {
    return this.s.recent.all({ state: state ?? null, limit }).map(toJob)
  }

  async counts(): Promise<JobCounts> {
    const zero = (): Record<JobState, number> => ({ queued: 0, running: 0, done: 0, dead: 0 })
    const counts: JobCounts = { bot: zero(), worker: zero() }
    for (const row of this.s.counts.all()) counts[row.owner][row.state] = row.n
    return counts
  }

  /** When the next job of `owner` is due (or its lease runs out), so a runner can sleep until then. */
  async nextDue(owner: JobOwner): Promise<number | undefined> {
    return this.s.nextRunAfter.get(owner)?.t ?? undefined
  }
}

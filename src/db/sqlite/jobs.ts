import { randomUUID } from 'node:crypto'
import type { ClaimOptions, Job, JobCounts, JobLease, JobRepository, JobState, LeasedJob } from '../jobs.js'
import { DEFAULT_MAX_ATTEMPTS, type JobOwner, type NewJob } from '../../jobs/kinds.js'
import type { GroupCommit } from './group-commit.js'
import type { SqliteDatabase } from './open.js'
import { fromUnixSeconds, toUnixSeconds } from '../../time.js'

interface JobRow {
  id: number
  kind: string
  owner: JobOwner
  payload: string
  dedupe_key: string | null
  lane: string | null
  lease_token: string | null
  calls_in_doubt: number
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
  lane: r.lane,
  state: r.state,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  runAfter: r.run_after,
  lastError: r.last_error,
  callsInDoubt: r.calls_in_doubt,
  createdAt: fromUnixSeconds(r.created_at),
})

/** Longest error text kept on a job. */
const MAX_ERROR_LENGTH = 1000

/** The durable job table (see {@link JobRepository}); times in the table are ms for `run_after` and leases. */
export class SqliteJobRepository implements JobRepository {
  private readonly s

  constructor(
    db: SqliteDatabase,
    /** Every write goes through it: batched, and never blocking the loop on another connection's lock. */
    private readonly writes: GroupCommit,
  ) {
    this.s = {
      insert: db.prepare<
        [
          {
            kind: string
            owner: JobOwner
            payload: string
            dedupeKey: string | null
            lane: string | null
            runAfter: number
            maxAttempts: number
            now: number
          },
        ],
        { id: number }
      >(
        `INSERT OR IGNORE INTO jobs (kind, owner, payload, dedupe_key, lane, max_attempts, run_after, created_at, updated_at)
         VALUES (@kind, @owner, @payload, @dedupeKey, @lane, @maxAttempts, @runAfter, @now, @now) RETURNING id`,
      ),
      // One statement, so two runners never claim the same job. A running job whose lease has
      // expired belongs to a runner that died or stalled mid-job: it is claimed again (at least once).
      claim: db.prepare<
        [{ owner: JobOwner; now: number; nowSec: number; leaseUntil: number; token: string; excluded: string }],
        JobRow
      >(
        `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = @leaseUntil, lease_token = @token,
           updated_at = @nowSec
         WHERE id = (
           SELECT j.id FROM jobs j
           WHERE j.owner = @owner
             AND ((j.state = 'queued' AND j.run_after <= @now) OR (j.state = 'running' AND j.lease_until <= @now))
             AND (j.lane IS NULL OR (
               j.lane NOT IN (SELECT value FROM json_each(@excluded))
               AND NOT EXISTS (SELECT 1 FROM jobs r
                 WHERE r.lane = j.lane AND r.state = 'running' AND r.id <> j.id AND r.lease_until > @now)))
           ORDER BY j.run_after, j.id LIMIT 1)
         RETURNING *`,
      ),
      renew: db.prepare<[{ id: number; token: string; leaseUntil: number }]>(
        `UPDATE jobs SET lease_until = @leaseUntil WHERE id = @id AND state = 'running' AND lease_token = @token`,
      ),
      callStarted: db.prepare<[{ id: number; token: string; nowSec: number }]>(
        `UPDATE jobs SET calls_in_doubt = calls_in_doubt + 1, updated_at = @nowSec
         WHERE id = @id AND state = 'running' AND lease_token = @token`,
      ),
      callRefused: db.prepare<[{ id: number; token: string; nowSec: number }]>(
        `UPDATE jobs SET calls_in_doubt = max(0, calls_in_doubt - 1), updated_at = @nowSec
         WHERE id = @id AND state = 'running' AND lease_token = @token`,
      ),
      done: db.prepare<[{ id: number; token: string; nowSec: number }]>(
        `UPDATE jobs SET state = 'done', lease_until = NULL, lease_token = NULL, last_error = NULL, updated_at = @nowSec
         WHERE id = @id AND state = 'running' AND lease_token = @token`,
      ),
      retry: db.prepare<
        [{ id: number; token: string; runAfter: number; error: string; refund: number; nowSec: number }]
      >(
        `UPDATE jobs SET state = 'queued', lease_until = NULL, lease_token = NULL, run_after = @runAfter,
           last_error = @error, attempts = max(0, attempts - @refund), updated_at = @nowSec
         WHERE id = @id AND state = 'running' AND lease_token = @token`,
      ),
      dead: db.prepare<[{ id: number; token: string; error: string; nowSec: number }]>(
        `UPDATE jobs SET state = 'dead', lease_until = NULL, lease_token = NULL, last_error = @error, updated_at = @nowSec
         WHERE id = @id AND state = 'running' AND lease_token = @token`,
      ),
      revive: db.prepare<[{ id: number; now: number; nowSec: number }]>(
        // Not while the same work (its dedupe key) waits or runs again: it would be queued twice.
        `UPDATE jobs SET state = 'queued', attempts = 0, calls_in_doubt = 0, run_after = @now, lease_until = NULL,
           updated_at = @nowSec
         WHERE id = @id AND state = 'dead'
           AND (dedupe_key IS NULL OR NOT EXISTS (SELECT 1 FROM jobs o
             WHERE o.dedupe_key = jobs.dedupe_key AND o.state IN ('queued', 'running')))`,
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

  async enqueue(job: NewJob, now: number): Promise<number | undefined> {
    return this.writes.run(() => {
      return this.enqueueSync(job, now)
    })
  }

  /** @internal for use inside another repository's transaction */
  enqueueSync(job: NewJob, now: number): number | undefined {
    return this.s.insert.get({
      kind: job.kind,
      owner: job.owner,
      payload: JSON.stringify(job.payload ?? null),
      dedupeKey: job.dedupeKey ?? null,
      lane: job.lane ?? null,
      runAfter: job.runAfter ?? now,
      maxAttempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      now: toUnixSeconds(now),
    })?.id
  }

  async claim(owner: JobOwner, now: number, options: ClaimOptions): Promise<LeasedJob | undefined> {
    return this.writes.run(() => {
      const row = this.s.claim.get({
        owner,
        now,
        nowSec: toUnixSeconds(now),
        leaseUntil: now + options.leaseMs,
        token: randomUUID(),
        excluded: JSON.stringify(options.excludeLanes ?? []),
      })
      return row && { ...toJob(row), leaseToken: row.lease_token ?? '' }
    })
  }

  async renew(lease: JobLease, leaseUntil: number, _now: number): Promise<boolean> {
    return this.writes.run(() => {
      return this.s.renew.run({ id: lease.id, token: lease.leaseToken, leaseUntil }).changes === 1
    })
  }

  async recordCallStarted(lease: JobLease, now: number): Promise<boolean> {
    return this.writes.run(() => {
      return this.s.callStarted.run({ id: lease.id, token: lease.leaseToken, nowSec: toUnixSeconds(now) }).changes === 1
    })
  }

  async recordCallRefused(lease: JobLease, now: number): Promise<boolean> {
    return this.writes.run(() => {
      return this.s.callRefused.run({ id: lease.id, token: lease.leaseToken, nowSec: toUnixSeconds(now) }).changes === 1
    })
  }

  async complete(lease: JobLease, now: number): Promise<boolean> {
    return this.writes.run(() => {
      return this.s.done.run({ id: lease.id, token: lease.leaseToken, nowSec: toUnixSeconds(now) }).changes === 1
    })
  }

  async retry(
    lease: JobLease,
    runAfter: number,
    error: string,
    now: number,
    options: { countAttempt: boolean },
  ): Promise<boolean> {
    return this.writes.run(() => {
      return (
        this.s.retry.run({
          id: lease.id,
          token: lease.leaseToken,
          runAfter,
          error: error.slice(0, MAX_ERROR_LENGTH),
          refund: options.countAttempt ? 0 : 1,
          nowSec: toUnixSeconds(now),
        }).changes === 1
      )
    })
  }

  async kill(lease: JobLease, error: string, now: number): Promise<boolean> {
    return this.writes.run(() => {
      return (
        this.s.dead.run({
          id: lease.id,
          token: lease.leaseToken,
          error: error.slice(0, MAX_ERROR_LENGTH),
          nowSec: toUnixSeconds(now),
        }).changes === 1
      )
    })
  }

  async revive(id: number, now: number): Promise<boolean> {
    return this.writes.run(() => {
      return this.s.revive.run({ id, now, nowSec: toUnixSeconds(now) }).changes === 1
    })
  }

  async findById(id: number): Promise<Job | undefined> {
    const row = this.s.byId.get(id)
    return row && toJob(row)
  }

  async recent(limit: number, state?: JobState): Promise<Job[]> {
    return this.s.recent.all({ state: state ?? null, limit }).map(toJob)
  }

  async counts(): Promise<JobCounts> {
    const zero = (): Record<JobState, number> => ({ queued: 0, running: 0, done: 0, dead: 0 })
    const counts: JobCounts = { bot: zero(), worker: zero() }
    for (const row of this.s.counts.all()) counts[row.owner][row.state] = row.n
    return counts
  }

  async nextDue(owner: JobOwner): Promise<number | undefined> {
    return this.s.nextRunAfter.get(owner)?.t ?? undefined
  }
}

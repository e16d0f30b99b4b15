import type { JobOwner, NewJob } from '../jobs/kinds.js'

/** `queued → running → done | dead`; a failed attempt goes back to `queued` with a later `runAfter`. */
export type JobState = 'queued' | 'running' | 'done' | 'dead'

/** A unit of durable work for Telegram. */
export interface Job {
  readonly id: number
  readonly kind: string
  readonly owner: JobOwner
  readonly payload: unknown
  readonly dedupeKey: string | null
  /** The Telegram chat it writes to, if any (see `NewJob.lane`). */
  readonly lane: string | null
  readonly state: JobState
  /** Attempts started so far, this one included while running. */
  readonly attempts: number
  readonly maxAttempts: number
  /** Not before this time. */
  readonly runAfter: number
  readonly lastError: string | null
  /**
   * Telegram calls its attempts started whose outcome is unknown (a crash or a timeout came
   * first): so many times the member may already have what the call sends.
   */
  readonly callsInDoubt: number
  readonly createdAt: number
}

/** A job a runner holds: the job, and the token that proves its lease. */
export interface LeasedJob extends Job {
  readonly leaseToken: string
}

/** What proves a runner holds a job: its id and its lease's token. */
export type JobLease = Pick<LeasedJob, 'id' | 'leaseToken'>

/** Options of {@link JobRepository.claim}. */
export interface ClaimOptions {
  /** How long the job is the claimer's before another runner may take it over. */
  readonly leaseMs: number
  /** Lanes the claimer must not start now (it paces them); lanes with a running job are skipped anyway. */
  readonly excludeLanes?: readonly string[]
}

/** Counts per owner and state, for the admin dashboard. */
export type JobCounts = Record<JobOwner, Record<JobState, number>>

/**
 * The durable job table. A runner claims a due job with a lease it renews while it works; a lease
 * that runs out (its runner died or stalled) lets any runner take the job over, so work survives
 * crashes at least once. Finishing, failing or renewing a job needs its lease: a runner that lost
 * it changes nothing.
 */
export interface JobRepository {
  /** Queues a job; resolves to its id, or undefined when an identical one is already waiting. */
  enqueue(job: NewJob, now: number): Promise<number | undefined>

  /**
   * Takes the next due job of `owner` (queued and due, or running with an expired lease), one
   * whose lane has no other job running and is not excluded, in `runAfter` order; undefined when
   * none is. Two claimers never get the same job.
   */
  claim(owner: JobOwner, now: number, options: ClaimOptions): Promise<LeasedJob | undefined>

  /** Extends the lease to `leaseUntil`; resolves false when it is no longer held (taken over, finished). */
  renew(lease: JobLease, leaseUntil: number, now: number): Promise<boolean>

  /**
   * Counts a Telegram call the job is about to start as in doubt, before it starts, so that a later
   * attempt knows how many calls earlier ones may have made. Resolves false when the lease is no
   * longer held.
   */
  recordCallStarted(lease: JobLease, now: number): Promise<boolean>

  /** Takes back {@link recordCallStarted}: Telegram refused the call, so it had no effect. */
  recordCallRefused(lease: JobLease, now: number): Promise<boolean>

  /** The job is done; resolves false (changing nothing) when the lease is no longer held. */
  complete(lease: JobLease, now: number): Promise<boolean>

  /**
   * Puts a job back in the queue until `runAfter`. With `countAttempt: false` (Telegram said
   * "retry after N", which is not the job's fault) the attempt is not charged. Resolves false
   * (changing nothing) when the lease is no longer held.
   */
  retry(
    lease: JobLease,
    runAfter: number,
    error: string,
    now: number,
    options: { countAttempt: boolean },
  ): Promise<boolean>

  /** Gives up on a job: it stays, dead, for an admin to read and retry. False when the lease is gone. */
  kill(lease: JobLease, error: string, now: number): Promise<boolean>

  /**
   * An admin's retry of a dead job; resolves false if it was not dead, or if the same work (its
   * dedupe key) waits or runs again already.
   */
  revive(id: number, now: number): Promise<boolean>

  findById(id: number): Promise<Job | undefined>

  /** The newest jobs, optionally only those in one state. */
  recent(limit: number, state?: JobState): Promise<Job[]>

  counts(): Promise<JobCounts>

  /** When the next job of `owner` is due (or its lease runs out), so a runner can sleep until then. */
  nextDue(owner: JobOwner): Promise<number | undefined>
}

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
  readonly state: JobState
  /** Attempts started so far, this one included while running. */
  readonly attempts: number
  readonly maxAttempts: number
  /** Not before this time (ms since the epoch). */
  readonly runAfter: number
  readonly lastError: string | null
  readonly createdAt: number
}

/** Counts per owner and state, for the admin dashboard. */
export type JobCounts = Record<JobOwner, Record<JobState, number>>

/** The durable job table. */
export interface JobRepository {
  /** Queues a job; resolves to its id, or undefined when an identical one is already waiting. */
  enqueue(job: NewJob, now: number): Promise<number | undefined>

  /** Takes the next due job of `owner` for `leaseMs`, or undefined when none is due. */
  claim(owner: JobOwner, now: number, leaseMs: number): Promise<Job | undefined>

  complete(id: number, now: number): Promise<void>

  /**
   * Puts a job back in the queue until `runAfter`. With `countAttempt: false` (Telegram said
   * "retry after N", which is not the job's fault) the attempt is not charged.
   */
  retry(id: number, runAfter: number, error: string, now: number, options: { countAttempt: boolean }): Promise<void>

  /** Gives up on a job: it stays, dead, for an admin to read and retry. */
  kill(id: number, error: string, now: number): Promise<void>

  /** An admin's retry of a dead job; resolves false if it was not dead. */
  revive(id: number, now: number): Promise<boolean>

  findById(id: number): Promise<Job | undefined>

  /** The newest jobs, optionally only those in one state. */
  recent(limit: number, state?: JobState): Promise<Job[]>

  counts(): Promise<JobCounts>

  /** When the next job of `owner` is due (or its lease runs out), so a runner can sleep until then. */
  nextDue(owner: JobOwner): Promise<number | undefined>
}

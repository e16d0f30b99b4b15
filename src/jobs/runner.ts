import type { Logger } from 'pino'
import type { Job, JobRepository } from '../db/jobs.js'
import { PermanentJobError } from './errors.js'
import type { JobOwner } from './kinds.js'
import { SECOND, secondsToMs } from '../time.js'

/** Runs one kind of job. Must be idempotent: a job may run again after a crash. */
export type JobHandler = (job: Job) => Promise<void>

/** Options of {@link JobRunner}. */
export interface JobRunnerOptions {
  readonly owner: JobOwner
  readonly jobs: JobRepository
  readonly handlers: Readonly<Record<string, JobHandler>>
  readonly logger: Logger
  /**
   * Reads Telegram's requested wait out of an error, in seconds (`retry_after`, `FLOOD_WAIT_X`),
   * so the job is rescheduled exactly then, without charging an attempt.
   */
  readonly retryAfterOf?: (error: unknown) => number | undefined
  /** Jobs started per second at most (Telegram allows ~30 messages/s). @default 25 */
  readonly perSecond?: number
  /** How long a claimed job is ours before another runner may take it over. @default 60000 */
  readonly leaseMs?: number
  /** Longest sleep between looks at the queue when it is empty. @default 1000 */
  readonly idleMs?: number
  /** First retry delay; doubles per attempt, with jitter. @default 2000 */
  readonly backoffBaseMs?: number
  /** @default 3600000 (1 h) */
  readonly backoffMaxMs?: number
  /** @default Date.now */
  readonly clock?: () => number
  /** @default Math.random */
  readonly random?: () => number
}

/**
 * Takes the durable jobs of one owner and runs them one at a time, at most `perSecond` per
 * second. A failure goes back to the queue with exponential backoff (or exactly Telegram's
 * `retry_after`), and a job out of attempts is dead, kept for an admin. State lives in the
 * table only, so a restart resumes where it stopped.
 */
export class JobRunner {
  private readonly o: Required<Omit<JobRunnerOptions, 'retryAfterOf'>> & Pick<JobRunnerOptions, 'retryAfterOf'>
  private running = false
  private loop: Promise<void> | undefined
  private wake: (() => void) | undefined
  private lastStart = 0

  constructor(options: JobRunnerOptions) {
    this.o = {
      perSecond: 25,
      leaseMs: 60_000,
      idleMs: 1000,
      backoffBaseMs: 2000,
      backoffMaxMs: 3_600_000,
      clock: Date.now,
      random: Math.random,
      ...options,
    }
  }

  /** Starts the loop in the background. */
  start(): void {
    if (this.running) return
    this.running = true
    this.loop = this.run()
  }

  /** Wakes a sleeping loop, e.g. right after new jobs were queued. */
  poke(): void {
    this.wake?.()
  }

  /** Stops taking jobs and waits for the one in progress. */
  async stop(): Promise<void> {
    this.running = false
    this.wake?.()
    await this.loop
  }

  /** Runs the next due job, if any (the loop's step; tests call it directly). Resolves true if one ran. */
  async runOnce(): Promise<boolean> {
    const now = this.o.clock()
    const job = await this.o.jobs.claim(this.o.owner, now, this.o.leaseMs)
    if (!job) return false
    const handler = this.o.handlers[job.kind]
    try {
      if (!handler) throw new PermanentJobError(`no handler for job kind ${job.kind}`)
      await handler(job)
      await this.o.jobs.complete(job.id, this.o.clock())
      this.o.logger.debug({ jobId: job.id, kind: job.kind }, 'job done')
    } catch (err) {
      await this.fail(job, err)
    }
    return true
  }

  private async fail(job: Job, err: unknown): Promise<void> {
    const now = this.o.clock()
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
    const retryAfter = this.o.retryAfterOf?.(err)
    if (retryAfter !== undefined) {
      // Telegram's own schedule: wait exactly that (plus a little spread), and do not charge it.
      const runAfter = now + secondsToMs(retryAfter) + Math.floor(this.o.random() * 250)
      await this.o.jobs.retry(job.id, runAfter, message, now, { countAttempt: false })
      this.o.logger.warn({ jobId: job.id, kind: job.kind, retryAfter }, 'job postponed: Telegram asked to wait')
      return
    }
    if (err instanceof PermanentJobError || job.attempts >= job.maxAttempts) {
      await this.o.jobs.kill(job.id, message, now)
      this.o.logger.error({ jobId: job.id, kind: job.kind, attempts: job.attempts, error: message }, 'job dead')
      return
    }
    const exp = Math.min(this.o.backoffMaxMs, this.o.backoffBaseMs * 2 ** (job.attempts - 1))
    const delay = Math.floor(exp / 2 + (this.o.random() * exp) / 2)
    await this.o.jobs.retry(job.id, now + delay, message, now, { countAttempt: true })
    this.o.logger.warn(
      { jobId: job.id, kind: job.kind, attempts: job.attempts, retryInMs: delay, error: message },
      'job failed; will retry',
    )
  }

  private async sleep(ms: number): Promise<void> {
    if (ms <= 0) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      this.wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })
    this.wake = undefined
  }

  /** Read through a method: TypeScript would otherwise assume it cannot change across awaits. */
  private isRunning(): boolean {
    return this.running
  }

  private async run(): Promise<void> {
    const spacing = SECOND / this.o.perSecond
    while (this.isRunning()) {
      await this.sleep(this.lastStart + spacing - this.o.clock())
      if (!this.isRunning()) break
      this.lastStart = this.o.clock()
      let ran = false
      try {
        ran = await this.runOnce()
      } catch (err) {
        // The queue itself failed (database locked, closed): log and keep going.
        this.o.logger.error({ err }, 'job runner step failed')
      }
      if (!ran && this.isRunning()) {
        const next = await this.o.jobs.nextDue(this.o.owner).catch(() => undefined)
        const wait = next === undefined ? this.o.idleMs : Math.min(this.o.idleMs, next - this.o.clock())
        await this.sleep(Math.max(10, wait))
      }
    }
  }
}

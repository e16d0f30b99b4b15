import type { Logger } from 'pino'
import type { JobRepository, LeasedJob } from '../db/jobs.js'
import { SECOND, secondsToMs } from '../time.js'
import { PermanentJobError } from './errors.js'
import type { JobOwner } from './kinds.js'

/**
 * Most calls of one message left in doubt (a crash or a timeout before Telegram answered) after
 * which the message is taken as sent: the member may have it twice, never three times.
 */
export const MAX_CALLS_IN_DOUBT = 2

/** What a handler may do besides its work. */
export interface JobContext {
  /**
   * Runs `call`, a Telegram call whose effect a member sees (a message), counted as in doubt until
   * Telegram answers: `refused(error)` says whether an error is Telegram's refusal (the call had no
   * effect, the count is taken back). Resolves to the call's result, or to undefined without
   * calling when earlier attempts left {@link MAX_CALLS_IN_DOUBT} calls in doubt: the member has
   * the message at least once by then, and another would be a second copy.
   */
  deliver<T>(call: () => Promise<T>, refused: (error: unknown) => boolean): Promise<T | undefined>
}

/** Runs one kind of job. Must be idempotent: a job may run again after a crash. */
export type JobHandler = (job: LeasedJob, context: JobContext) => Promise<void>

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
  /**
   * Until when no job may start (Telegram asked the whole bot or account to wait, or its API keeps
   * failing); undefined when jobs may start now. Asked before every start.
   */
  readonly holdUntil?: () => number | undefined
  /** Jobs started per second at most, over all lanes (Telegram allows ~30 messages/s). @default 25 */
  readonly perSecond?: number
  /** Jobs running at once: a slow chat holds one of them, never the queue. @default 4 */
  readonly concurrency?: number
  /** Least time between two starts in one lane (Telegram: a message a second per chat). @default 1000 */
  readonly laneSpacingMs?: number
  /**
   * How long a claimed job is ours before another runner may take it over; renewed while it runs,
   * so it only runs out when its runner died or stalled. @default 5000
   */
  readonly leaseMs?: number
  /**
   * Longest a handler may run before the attempt counts as failed (retried with backoff) and its
   * slot is freed; calls out have their own, shorter deadlines. @default 120000
   */
  readonly attemptTimeoutMs?: number
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

/** A handler that ran past {@link JobRunnerOptions.attemptTimeoutMs}. */
export class JobTimeoutError extends Error {
  override readonly name = 'JobTimeoutError'
}

type Settings = Required<Omit<JobRunnerOptions, 'retryAfterOf' | 'holdUntil'>> &
  Pick<JobRunnerOptions, 'retryAfterOf' | 'holdUntil'>

/**
 * Takes the durable jobs of one owner and runs up to `concurrency` at once, starting at most
 * `perSecond` a second, one job per lane at a time and lanes spaced out. A failure goes back to the
 * queue with exponential backoff (or exactly Telegram's `retry_after`, uncharged), a job out of
 * attempts is dead, kept for an admin. Leases are short and renewed while a job runs, so a job
 * whose runner crashed is taken over within a lease. State lives in the table only, so a restart
 * resumes where it stopped.
 */
export class JobRunner {
  private readonly o: Settings
  private running = false
  private loop: Promise<void> | undefined
  private wake: (() => void) | undefined
  private lastStart = Number.NEGATIVE_INFINITY
  private readonly inFlight = new Set<Promise<void>>()
  /** Lanes of the jobs in flight, and when each lane last started a job. */
  private readonly busyLanes = new Set<string>()
  private readonly laneStarts = new Map<string, number>()

  constructor(options: JobRunnerOptions) {
    this.o = {
      perSecond: 25,
      concurrency: 4,
      laneSpacingMs: SECOND,
      leaseMs: 5 * SECOND,
      attemptTimeoutMs: 120 * SECOND,
      idleMs: SECOND,
      backoffBaseMs: 2 * SECOND,
      backoffMaxMs: 3600 * SECOND,
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

  /** Stops taking jobs and waits for the ones in progress. */
  async stop(): Promise<void> {
    this.running = false
    this.wake?.()
    await this.loop
    await Promise.all(this.inFlight)
  }

  /**
   * Claims the next due job, if any, and runs it to the end (the loop's step, without its pacing;
   * tests call it directly). Resolves true if one ran.
   */
  async runOnce(): Promise<boolean> {
    const job = await this.claim()
    if (!job) return false
    await this.execute(job)
    return true
  }

  private async claim(): Promise<LeasedJob | undefined> {
    const now = this.o.clock()
    const excludeLanes = [...this.busyLanes]
    for (const [lane, at] of this.laneStarts) {
      if (now - at < this.o.laneSpacingMs) excludeLanes.push(lane)
      else this.laneStarts.delete(lane)
    }
    return this.o.jobs.claim(this.o.owner, now, { leaseMs: this.o.leaseMs, excludeLanes })
  }

  private async execute(job: LeasedJob): Promise<void> {
    const lane = job.lane
    if (lane !== null) {
      this.busyLanes.add(lane)
      this.laneStarts.set(lane, this.o.clock())
    }
    const renewal = setInterval(
      () => {
        this.o.jobs.renew(job, this.o.clock() + this.o.leaseMs, this.o.clock()).then(
          (held) => {
            if (!held) this.o.logger.warn({ jobId: job.id, kind: job.kind }, 'job lease lost; another runner has it')
          },
          (err: unknown) => {
            this.o.logger.error({ err, jobId: job.id }, 'could not renew a job lease')
          },
        )
      },
      Math.max(10, Math.floor(this.o.leaseMs / 3)),
    )
    renewal.unref()
    let timer: NodeJS.Timeout | undefined
    try {
      const handler = this.o.handlers[job.kind]
      if (!handler) throw new PermanentJobError(`no handler for job kind ${job.kind}`)
      const context: JobContext = {
        deliver: async (call, refused) => {
          if (job.callsInDoubt >= MAX_CALLS_IN_DOUBT) {
            this.o.logger.warn(
              { jobId: job.id, kind: job.kind },
              'message taken as sent: earlier attempts were cut off',
            )
            return undefined
          }
          if (!(await this.o.jobs.recordCallStarted(job, this.o.clock()))) {
            throw new Error('the job lease was lost before its Telegram call')
          }
          try {
            return await call()
          } catch (err) {
            if (refused(err)) await this.o.jobs.recordCallRefused(job, this.o.clock())
            throw err
          }
        },
      }
      await Promise.race([
        handler(job, context),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            reject(new JobTimeoutError(`the job ran over ${String(this.o.attemptTimeoutMs)} ms`))
          }, this.o.attemptTimeoutMs)
        }),
      ])
      if (await this.o.jobs.complete(job, this.o.clock())) {
        this.o.logger.debug({ jobId: job.id, kind: job.kind }, 'job done')
      }
    } catch (err) {
      await this.fail(job, err).catch((failure: unknown) => {
        this.o.logger.error({ err: failure, jobId: job.id }, 'could not record a job failure; its lease will run out')
      })
    } finally {
      clearTimeout(timer)
      clearInterval(renewal)
      if (lane !== null) this.busyLanes.delete(lane)
    }
  }

  private async fail(job: LeasedJob, err: unknown): Promise<void> {
    const now = this.o.clock()
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
    const retryAfter = this.o.retryAfterOf?.(err)
    if (retryAfter !== undefined) {
      // Telegram's own schedule: wait exactly that (plus a little spread), and do not charge it.
      const runAfter = now + secondsToMs(retryAfter) + Math.floor(this.o.random() * 250)
      await this.o.jobs.retry(job, runAfter, message, now, { countAttempt: false })
      this.o.logger.warn({ jobId: job.id, kind: job.kind, retryAfter }, 'job postponed: Telegram asked to wait')
      return
    }
    if (err instanceof PermanentJobError || job.attempts >= job.maxAttempts) {
      await this.o.jobs.kill(job, message, now)
      this.o.logger.error({ jobId: job.id, kind: job.kind, attempts: job.attempts, error: message }, 'job dead')
      return
    }
    const exp = Math.min(this.o.backoffMaxMs, this.o.backoffBaseMs * 2 ** (job.attempts - 1))
    const delay = Math.floor(exp / 2 + (this.o.random() * exp) / 2)
    await this.o.jobs.retry(job, now + delay, message, now, { countAttempt: true })
    this.o.logger.warn(
      { jobId: job.id, kind: job.kind, attempts: job.attempts, retryInMs: delay, error: message },
      'job failed; will retry',
    )
  }

  /** How long until a paced lane may start again; the idle time when none is paced. */
  private laneFreeIn(now: number): number {
    let soonest = this.o.idleMs
    for (const at of this.laneStarts.values()) soonest = Math.min(soonest, at + this.o.laneSpacingMs - now)
    return soonest
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
      if (this.inFlight.size >= this.o.concurrency) {
        // A slot frees when a job settles; it wakes the loop.
        await this.sleep(this.o.idleMs)
        continue
      }
      const held = this.o.holdUntil?.()
      if (held !== undefined && held > this.o.clock()) {
        await this.sleep(Math.min(this.o.idleMs, held - this.o.clock()))
        continue
      }
      // A job settling wakes the loop: the pace between starts is kept whatever woke it.
      while (this.isRunning() && this.lastStart + spacing > this.o.clock()) {
        await this.sleep(this.lastStart + spacing - this.o.clock())
      }
      if (!this.isRunning()) break
      let job: LeasedJob | undefined
      try {
        job = await this.claim()
      } catch (err) {
        // The queue itself failed (database locked, closed): log and keep going.
        this.o.logger.error({ err }, 'job runner step failed')
      }
      if (job) {
        this.lastStart = this.o.clock()
        const running = this.execute(job).finally(() => {
          this.inFlight.delete(running)
          this.wake?.()
        })
        this.inFlight.add(running)
        continue
      }
      if (!this.isRunning()) break
      const now = this.o.clock()
      const next = await this.o.jobs.nextDue(this.o.owner).catch(() => undefined)
      let wait = next === undefined ? this.o.idleMs : Math.min(this.o.idleMs, next - now)
      // Due, but in a lane that is busy or was just used: until the lane frees (or a job settles).
      if (wait <= 0) wait = Math.min(this.o.idleMs, this.laneFreeIn(now))
      await this.sleep(Math.max(10, wait))
    }
  }
}

import { StoreBusyError } from '../errors.js'
import type { SqliteDatabase } from './open.js'

/** Options of {@link GroupCommit}. */
export interface GroupCommitOptions {
  /**
   * Most writes committed together; more wait for the next commit, so one burst cannot hold
   * the write lock (and the other process, the worker) for long.
   * @default 256
   */
  readonly maxBatch?: number
  /**
   * How long a write waits for another process's write lock (a backup, the worker, an admin's
   * shell) before it is refused with `StoreBusyError`. It waits on timers, never on the event loop.
   * @default 5000
   */
  readonly busyWaitMs?: number
}

interface PendingWrite {
  readonly write: () => unknown
  readonly resolve: (value: unknown) => void
  readonly reject: (reason: unknown) => void
  /** When it was asked for (ms), to refuse it once it has waited too long for a lock. */
  readonly since: number
}

/** Whether SQLite refused because another connection holds the lock. */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'))
}

/** Counters of {@link GroupCommit}, for tests and benchmarks. */
export interface GroupCommitStats {
  /** Transactions committed (or rolled back) so far, a second try after a failed write included. */
  readonly commits: number
  /** Writes run so far, whether they succeeded or not. */
  readonly writes: number
}

/**
 * Group commit: the writes requested during one turn of the event loop run in one SQLite
 * transaction, and their promises settle once that transaction has committed.
 *
 * Why: on a file, a commit costs far more than the rows it writes (WAL frames for every page
 * touched, the WAL index, now and then a checkpoint), and concurrent requests mostly touch the
 * same pages (the end of the members table, its indexes). Committing a burst of logins or
 * karma events once keeps every write as durable as its own transaction would be: nobody is
 * told "done" before the commit.
 *
 * A write that throws rejects its own promise and leaves no trace; the others commit. The
 * writes first run one after the other with no savepoint between them, because a savepoint is
 * not free: every page a write changes inside one is first copied to the statement journal (a
 * temporary file past 64 KiB), thousands of pages for a batch of karma events. When a write
 * throws, that transaction is rolled back whole, the write is rejected, and the others run
 * again in a new transaction, each in its own savepoint this time (so a second failure costs
 * no third run). If the transaction itself cannot begin or commit (a busy database past its
 * timeout, a full disk), every write in it is rejected and none is applied.
 *
 * Writes must be synchronous functions over this database (better-sqlite3 statements or
 * transaction functions, which nest as savepoints) with no effect outside it, since a write
 * may run twice: its result is that of the run that committed.
 */
export class GroupCommit {
  private readonly maxBatch: number
  private readonly busyWaitMs: number
  /** Since when commits find the database locked by another connection; undefined when they do not. */
  private lockedSince: number | undefined
  private retries = 0
  private retryTimer: NodeJS.Timeout | undefined
  /** Set by {@link flush}: a locked database then refuses the writes instead of waiting. */
  private flushing = false
  private readonly together: (batch: readonly PendingWrite[]) => unknown[]
  private readonly isolated: (batch: readonly PendingWrite[]) => readonly Settled[]
  private queue: PendingWrite[] = []
  private scheduled = false
  private commits = 0
  private writes = 0
  /** Index of the write `together` is running, so a throw can be pinned on it. */
  private running = -1

  constructor(
    private readonly db: SqliteDatabase,
    options: GroupCommitOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 256
    this.busyWaitMs = options.busyWaitMs ?? 5000
    if (!Number.isSafeInteger(this.maxBatch) || this.maxBatch < 1)
      throw new RangeError('maxBatch must be a positive integer')
    const together = db.transaction((batch: readonly PendingWrite[]): unknown[] => {
      const values: unknown[] = []
      for (const [index, pending] of batch.entries()) {
        this.running = index
        values.push(pending.write())
      }
      this.running = -1
      return values
    })
    this.together = (batch) => {
      this.running = -1
      return together.immediate(batch)
    }
    // A better-sqlite3 transaction called inside another becomes a savepoint.
    const savepoint = db.transaction((write: () => unknown) => write())
    const isolated = db.transaction((batch: readonly PendingWrite[]): Settled[] =>
      batch.map((pending): Settled => {
        try {
          return { ok: true, value: savepoint(pending.write) }
        } catch (error) {
          return { ok: false, error }
        }
      }),
    )
    this.isolated = (batch) => isolated.immediate(batch)
  }

  /**
   * Runs `write` in the next group transaction; resolves with its result once committed, or
   * rejects with what it threw (its changes rolled back) or with the commit's failure.
   */
  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ write, resolve: resolve as (value: unknown) => void, reject, since: Date.now() })
      if (!this.scheduled && this.retryTimer === undefined) {
        this.scheduled = true
        setImmediate(this.flushQueued)
      }
    })
  }

  /**
   * Commits every pending write now. The store calls it before closing, so a shutdown never
   * drops a write it has accepted.
   */
  flush(): void {
    // The last commits may block: the process is stopping, and nothing else waits on the loop.
    clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    this.flushing = true
    this.db.pragma(`busy_timeout = ${String(this.busyWaitMs)}`)
    while (this.queue.length > 0) {
      const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch)
      this.queue = batch === this.queue ? [] : this.queue.slice(this.maxBatch)
      this.commitBatch(batch)
    }
  }

  /** Since when writes wait for another connection's lock (ms), or undefined when they do not. */
  blockedSince(): number | undefined {
    return this.lockedSince
  }

  /** Counters since this instance was made. */
  stats(): GroupCommitStats {
    return { commits: this.commits, writes: this.writes }
  }

  private readonly flushQueued = (): void => {
    this.scheduled = false
    if (this.queue.length === 0 || this.retryTimer !== undefined) return
    if (!this.db.open) {
      const closed = new Error('the database is closed')
      for (const pending of this.queue.splice(0)) pending.reject(closed)
      return
    }
    const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch)
    this.queue = batch === this.queue ? [] : this.queue.slice(this.maxBatch)
    if (this.queue.length > 0) {
      // Let requests that arrived meanwhile be served before the rest of a long burst.
      this.scheduled = true
      setImmediate(this.flushQueued)
    }
    this.commitBatch(batch)
  }

  private commitBatch(batch: readonly PendingWrite[]): void {
    this.writes += batch.length
    let values: unknown[]
    try {
      values = this.together(batch)
    } catch (error) {
      this.commits += 1
      const failed = this.running
      // -1: the transaction could not begin or commit, nobody in particular failed.
      if (failed < 0 && isBusy(error)) {
        this.waitForLock(batch)
        return
      }
      if (failed < 0) {
        for (const pending of batch) pending.reject(error)
        return
      }
      batch[failed]?.reject(error)
      const rest = batch.filter((_, index) => index !== failed)
      if (rest.length > 0) this.commitIsolated(rest)
      return
    }
    this.commits += 1
    this.lockedSince = undefined
    this.retries = 0
    for (const [index, pending] of batch.entries()) pending.resolve(values[index])
  }

  /**
   * Another connection holds the write lock: the batch goes back to the head of the queue and
   * commits are tried again on a timer, sooner first; a write that has waited `busyWaitMs` is
   * refused with {@link StoreBusyError} (nothing of it was written).
   */
  private waitForLock(batch: readonly PendingWrite[]): void {
    if (this.flushing) {
      for (const pending of batch) pending.reject(new StoreBusyError(this.busyWaitMs))
      return
    }
    const now = Date.now()
    this.lockedSince ??= now
    const waiting: PendingWrite[] = []
    for (const pending of [...batch, ...this.queue]) {
      if (now - pending.since >= this.busyWaitMs) pending.reject(new StoreBusyError(this.busyWaitMs))
      else waiting.push(pending)
    }
    this.queue = waiting
    if (waiting.length === 0 || this.retryTimer !== undefined) return
    const delay = Math.min(100, 5 * 2 ** this.retries)
    this.retries += 1
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      this.flushQueued()
    }, delay)
  }

  /** The second try, after a write threw: each write in a savepoint of its own. */
  private commitIsolated(batch: readonly PendingWrite[]): void {
    let settled: readonly Settled[]
    try {
      settled = this.isolated(batch)
    } catch (error) {
      for (const pending of batch) pending.reject(error)
      return
    } finally {
      this.commits += 1
    }
    for (let i = 0; i < batch.length; i += 1) {
      const outcome = settled[i]
      const pending = batch[i]
      if (!outcome || !pending) continue
      if (outcome.ok) pending.resolve(outcome.value)
      else pending.reject(outcome.error)
    }
  }
}

type Settled = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown }

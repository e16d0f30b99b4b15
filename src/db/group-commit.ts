import type { SqliteDatabase } from './open.js'

/** Options of {@link GroupCommit}. */
export interface GroupCommitOptions {
  /**
   * Most writes committed together; more wait for the next commit, so one burst cannot hold
   * the write lock (and the other process, the worker) for long.
   * @default 256
   */
  readonly maxBatch?: number
}

interface PendingWrite {
  readonly write: () => unknown
  readonly resolve: (value: unknown) => void
  readonly reject: (reason: unknown) => void
}

/** Counters of {@link GroupCommit}, for tests and benchmarks. */
export interface GroupCommitStats {
  /** Transactions committed (or rolled back) so far. */
  readonly commits: number
  /** Writes run so far, whether they succeeded or not. */
  readonly writes: number
}

/**
 * Group commit: the writes requested during one turn of the event loop run in one SQLite
 * transaction, each inside its own savepoint, and their promises settle once that transaction
 * has committed.
 *
 * Why: on a file, a commit costs far more than the rows it writes (WAL frames for every page
 * touched, the WAL index, now and then a checkpoint), and concurrent requests mostly touch the
 * same pages (the end of the members table, its indexes). Committing a burst of logins or
 * karma events once keeps every write as durable as its own transaction would be: nobody is
 * told "done" before the commit.
 *
 * A write that throws rolls back to its savepoint (its rows only) and rejects its own promise;
 * the others commit. A write alone in its transaction runs without a savepoint: when it throws,
 * the transaction (its rows only) is rolled back. If the transaction itself cannot begin or commit (a busy database past its
 * timeout, a full disk), every write in it is rejected and none is applied.
 *
 * Writes must be synchronous functions over this database (better-sqlite3 statements or
 * transaction functions, which nest as savepoints).
 */
export class GroupCommit {
  private readonly maxBatch: number
  private readonly savepoint: (write: () => unknown) => unknown
  private readonly commit: (batch: readonly PendingWrite[]) => readonly Settled[]
  private readonly commitAlone: (write: () => unknown) => unknown
  private queue: PendingWrite[] = []
  private scheduled = false
  private commits = 0
  private writes = 0

  constructor(
    private readonly db: SqliteDatabase,
    options: GroupCommitOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 256
    if (!Number.isSafeInteger(this.maxBatch) || this.maxBatch < 1) throw new RangeError('maxBatch must be a positive integer')
    // A better-sqlite3 transaction called inside another becomes a savepoint.
    this.savepoint = db.transaction((write: () => unknown) => write())
    const commit = db.transaction((batch: readonly PendingWrite[]): Settled[] =>
      batch.map((pending): Settled => {
        try {
          return { ok: true, value: this.savepoint(pending.write) }
        } catch (error) {
          return { ok: false, error }
        }
      }),
    )
    this.commit = (batch) => commit.immediate(batch)
    // A write with nobody to share its transaction needs no savepoint: if it throws, rolling
    // the whole transaction back undoes exactly its changes. And a savepoint is not free: every
    // page the write changes is first copied to the statement journal (a temporary file once it
    // passes 64 KiB), which for a batch of karma events is thousands of pages.
    const alone = db.transaction((write: () => unknown) => write())
    this.commitAlone = (write) => alone.immediate(write)
  }

  /**
   * Runs `write` in the next group transaction; resolves with its result once committed, or
   * rejects with what it threw (its changes rolled back) or with the commit's failure.
   */
  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ write, resolve: resolve as (value: unknown) => void, reject })
      if (!this.scheduled) {
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
    while (this.queue.length > 0) {
      const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch)
      this.queue = batch === this.queue ? [] : this.queue.slice(this.maxBatch)
      this.commitBatch(batch)
    }
  }

  /** Counters since this instance was made. */
  stats(): GroupCommitStats {
    return { commits: this.commits, writes: this.writes }
  }

  private readonly flushQueued = (): void => {
    this.scheduled = false
    if (this.queue.length === 0) return
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
    const [only] = batch
    if (batch.length === 1 && only) {
      let value: unknown
      try {
        value = this.commitAlone(only.write)
      } catch (error) {
        only.reject(error)
        return
      } finally {
        this.commits += 1
        this.writes += 1
      }
      only.resolve(value)
      return
    }
    let settled: readonly Settled[]
    try {
      settled = this.commit(batch)
    } catch (error) {
      for (const pending of batch) pending.reject(error)
      return
    } finally {
      this.commits += 1
      this.writes += batch.length
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

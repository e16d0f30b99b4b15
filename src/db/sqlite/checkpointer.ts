import { once } from 'node:events'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { Logger } from 'pino'
import type { SqliteDatabase } from './open.js'

/** Options of {@link startCheckpointer}. */
export interface CheckpointerOptions {
  /** Time between two checkpoints, in ms: bounds how far the WAL grows. @default 250 */
  readonly intervalMs?: number
  readonly logger: Logger
  /**
   * WAL size, in pages, past which the connection itself restarts the WAL from its beginning.
   * Under a steady stream of commits the thread's checkpoints never catch up exactly (commits
   * land while it copies), and SQLite only rewinds a WAL that is entirely copied, so it would
   * keep growing. The connection, between two of its own transactions, runs a RESTART
   * checkpoint: it copies what is left (little, right after the thread's) and rewinds.
   * @default 4000 (16 MB with 4 KB pages)
   */
  readonly restartPages?: number
  /**
   * The module the thread opens the database with, by path: a constructor like
   * better-sqlite3's. Tests pass a failing one to see the fallback.
   * @default better-sqlite3
   */
  readonly driver?: string
}

/** The last checkpoint's figures, as SQLite reports them (pages, i.e. WAL frames). */
export interface CheckpointStats {
  /** Checkpoints run so far. */
  readonly runs: number
  /** Of those, how many also restarted the WAL (see {@link CheckpointerOptions.restartPages}). */
  readonly restarts: number
  /** Frames in the WAL at the last checkpoint. */
  readonly walFrames: number
  /** Of those, frames copied into the database file. */
  readonly checkpointedFrames: number
}

/** A running {@link startCheckpointer}. */
export interface Checkpointer {
  stats(): CheckpointStats
  /** Runs a last checkpoint and ends the thread; the connection checkpoints by itself again. */
  stop(): Promise<void>
}

/** Longest the connection waits for other processes' readers when it rewinds the WAL. */
const RESTART_WAIT_MS = 20

/** SQLite's default, restored whenever the thread is not there to checkpoint. */
const AUTOCHECKPOINT_PAGES = 1000

// The thread's code is plain JavaScript given inline, so it runs the same from src/ (tsx,
// vitest) and from dist/. It opens its own connection: better-sqlite3 connections are not
// shared across threads.
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.path)
db.pragma('busy_timeout = 5000')
let runs = 0
const checkpoint = () => {
  const [row] = db.pragma('wal_checkpoint(PASSIVE)')
  runs += 1
  parentPort.postMessage({ type: 'checkpoint', runs, walFrames: row.log, checkpointedFrames: row.checkpointed })
}
const timer = setInterval(checkpoint, workerData.intervalMs)
parentPort.on('message', (message) => {
  if (message !== 'stop') return
  clearInterval(timer)
  try { checkpoint() } finally { db.close(); parentPort.close() }
})
`

interface CheckpointMessage {
  readonly type: 'checkpoint'
  readonly runs: number
  readonly walFrames: number
  readonly checkpointedFrames: number
}

function isCheckpointMessage(value: unknown): value is CheckpointMessage {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'checkpoint'
}

/**
 * Moves WAL checkpoints off the event loop. By default SQLite checkpoints inside the commit
 * that makes the WAL pass 1,000 pages: that request then copies the pages into the database
 * file and waits for an fsync, and every login or karma event committed with it waits too.
 * Here the connection's automatic checkpoint is switched off and a worker thread, with its own
 * connection, runs a PASSIVE checkpoint (never blocking readers or writers) every `intervalMs`.
 *
 * Nothing is less durable: commits are written to the WAL exactly as before; only the copy into
 * the main file moves. If the thread dies, the connection checkpoints by itself again and the
 * error is logged, so the WAL cannot grow without bound. An in-memory database is left alone.
 */
export function startCheckpointer(db: SqliteDatabase, options: CheckpointerOptions): Checkpointer {
  let stats: CheckpointStats = { runs: 0, restarts: 0, walFrames: 0, checkpointedFrames: 0 }
  if (db.memory) return { stats: () => stats, stop: async () => undefined }
  const worker = new Worker(THREAD_SOURCE, {
    eval: true,
    workerData: {
      driver: options.driver ?? createRequire(import.meta.url).resolve('better-sqlite3'),
      path: db.name,
      intervalMs: options.intervalMs ?? 250,
    },
  })
  // A thread only checkpointing must not keep the process alive.
  worker.unref()
  const restartPages = options.restartPages ?? 4000
  db.pragma('wal_autocheckpoint = 0')
  let stopping = false
  let exited = false
  const fallBack = (): void => {
    if (db.open) db.pragma(`wal_autocheckpoint = ${String(AUTOCHECKPOINT_PAGES)}`)
  }
  worker.on('message', (message: unknown) => {
    if (!isCheckpointMessage(message)) return
    let restarts = stats.restarts
    // Messages run between transactions (better-sqlite3 is synchronous), never inside one.
    if (message.walFrames > restartPages && db.open && !db.inTransaction) {
      // RESTART waits for other connections' readers to leave the WAL. Another process's long
      // read (a backup, a report) must not stall every request for the whole busy timeout:
      // wait briefly, and if the WAL is still in use, try again after the next checkpoint.
      const busyTimeout = db.pragma('busy_timeout', { simple: true }) as number
      db.pragma(`busy_timeout = ${String(RESTART_WAIT_MS)}`)
      try {
        const [result] = db.pragma('wal_checkpoint(RESTART)') as { busy: number }[]
        if (result?.busy === 0) restarts += 1
      } finally {
        db.pragma(`busy_timeout = ${String(busyTimeout)}`)
      }
    }
    stats = {
      runs: message.runs,
      restarts,
      walFrames: message.walFrames,
      checkpointedFrames: message.checkpointedFrames,
    }
  })
  worker.on('error', (err) => {
    fallBack()
    options.logger.error({ err }, 'checkpoint thread failed; the database checkpoints on commit again')
  })
  worker.on('exit', (code) => {
    exited = true
    fallBack()
    if (!stopping) options.logger.error({ code }, 'checkpoint thread exited; the database checkpoints on commit again')
  })
  return {
    stats: () => stats,
    stop: async () => {
      if (stopping) return
      stopping = true
      if (exited) return
      const exit = once(worker, 'exit').catch(() => undefined)
      // Until it is done, the last checkpoint is worth keeping the process for.
      worker.ref()
      worker.postMessage('stop')
      await exit
    },
  }
}

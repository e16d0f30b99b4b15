import { statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startCheckpointer } from '../../../../src/db/sqlite/checkpointer.js'
import { openDatabase, type SqliteDatabase } from '../../../../src/db/sqlite/open.js'
import { tempDir } from '../../../support/site.js'

let cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.reverse()) cleanup()
  cleanups = []
})

function fileDb(): SqliteDatabase {
  const tmp = tempDir()
  const db = openDatabase(join(tmp.dir, 'checkpoint.db'))
  cleanups.push(() => {
    if (db.open) db.close()
    tmp.remove()
  })
  db.exec('CREATE TABLE t (n INTEGER PRIMARY KEY, pad TEXT NOT NULL) STRICT')
  return db
}

/** Commits `count` transactions of one 2 KB row each. */
function write(db: SqliteDatabase, count: number, from = 0): void {
  const insert = db.prepare<[number, string]>('INSERT INTO t (n, pad) VALUES (?, ?)')
  for (let i = 0; i < count; i++) insert.run(from + i, 'x'.repeat(2048))
}

const autocheckpoint = (db: SqliteDatabase): unknown => db.pragma('wal_autocheckpoint', { simple: true })
const silent = pino({ level: 'silent' })

describe('startCheckpointer', () => {
  it('switches the connection off checkpointing and copies the WAL into the file from its thread', async () => {
    const db = fileDb()
    const checkpointer = startCheckpointer(db, { logger: silent, intervalMs: 20 })
    cleanups.push(() => void checkpointer.stop())
    expect(autocheckpoint(db)).toBe(0)
    write(db, 3000)
    await vi.waitFor(() => {
      const stats = checkpointer.stats()
      expect(stats.runs).toBeGreaterThan(0)
      expect(stats.walFrames).toBeGreaterThan(0)
      expect(stats.checkpointedFrames).toBe(stats.walFrames)
    })
    // The rows are in the main file, not only in the WAL: a copy of the file alone has them.
    expect(statSync(db.name).size).toBeGreaterThan(3000 * 2048)
    await checkpointer.stop()
    expect(autocheckpoint(db)).toBe(1000)
  })

  it('keeps the WAL bounded under continuous writes (it restarts once checkpointed)', async () => {
    const db = fileDb()
    const checkpointer = startCheckpointer(db, { logger: silent, intervalMs: 10 })
    cleanups.push(() => void checkpointer.stop())
    await vi.waitFor(() => {
      expect(checkpointer.stats().runs).toBeGreaterThan(0)
    })
    const walFrames: number[] = []
    for (let round = 0; round < 20; round++) {
      write(db, 200, round * 200)
      await new Promise((resolve) => setTimeout(resolve, 30))
      walFrames.push(checkpointer.stats().walFrames)
    }
    await checkpointer.stop()
    // 4,000 commits of a 2 KB row wrote some 12,000 WAL frames (each commit rewrites the pages
    // it touched); the WAL never held more than a few rounds of them, and its file stays small.
    expect(Math.max(...walFrames)).toBeGreaterThan(0)
    expect(Math.max(...walFrames)).toBeLessThan(3000)
    expect(statSync(`${db.name}-wal`).size).toBeLessThan(3000 * 4120)
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(4000)
  })

  it('restarts the WAL even when commits never pause (PASSIVE alone would never catch up)', async () => {
    const db = fileDb()
    const checkpointer = startCheckpointer(db, { logger: silent, intervalMs: 20, restartPages: 300 })
    cleanups.push(() => void checkpointer.stop())
    await vi.waitFor(() => {
      expect(checkpointer.stats().runs).toBeGreaterThan(0)
    })
    // Commits in every turn of the event loop for a second, as a busy site makes them.
    let rows = 0
    const walFrames: number[] = []
    const until = Date.now() + 1000
    while (Date.now() < until) {
      write(db, 20, rows)
      rows += 20
      await new Promise((resolve) => setImmediate(resolve))
      walFrames.push(checkpointer.stats().walFrames)
    }
    const restarts = checkpointer.stats().restarts
    await checkpointer.stop()
    expect(restarts).toBeGreaterThan(0)
    // Without a restart the WAL only ever grows; with them, a checkpoint finds it shorter again.
    expect(walFrames.some((frames, i) => i > 0 && frames < (walFrames[i - 1] ?? 0))).toBe(true)
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(rows)
  })

  it('does not stall the connection while another process holds a read: it rewinds later', async () => {
    const db = fileDb()
    db.pragma('busy_timeout = 5000')
    const reader = openDatabase(db.name)
    cleanups.push(() => {
      if (reader.inTransaction) reader.exec('COMMIT')
      reader.close()
    })
    const checkpointer = startCheckpointer(db, { logger: silent, intervalMs: 10, restartPages: 100 })
    cleanups.push(() => void checkpointer.stop())
    write(db, 50)
    // A long read in another process: the WAL cannot be rewound under it.
    reader.exec('BEGIN')
    reader.prepare('SELECT count(*) FROM t').get()
    const started = Date.now()
    let rows = 50
    while (checkpointer.stats().runs < 15) {
      write(db, 20, rows)
      rows += 20
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    // Several rewinds were attempted (the WAL is past 100 pages); none waited out 5 s.
    expect(checkpointer.stats().restarts).toBe(0)
    expect(Date.now() - started).toBeLessThan(4000)
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000)
    reader.exec('COMMIT')
    await vi.waitFor(() => {
      write(db, 20, rows)
      rows += 20
      expect(checkpointer.stats().restarts).toBeGreaterThan(0)
    })
  })

  it('gives checkpointing back to the connection and logs when its thread dies', async () => {
    const db = fileDb()
    const tmp = tempDir()
    cleanups.push(() => {
      tmp.remove()
    })
    const driver = join(tmp.dir, 'broken-driver.cjs')
    writeFileSync(driver, "module.exports = function Database() { throw new Error('disk on fire') }\n")
    const lines: string[] = []
    const logger = pino({ level: 'error' }, { write: (line: string) => lines.push(line) })
    const checkpointer = startCheckpointer(db, { logger, intervalMs: 20, driver })
    await vi.waitFor(() => {
      expect(autocheckpoint(db)).toBe(1000)
      expect(lines.join('')).toContain('checkpoint thread failed')
    })
    expect(lines.join('')).toContain('disk on fire')
    await checkpointer.stop()
  })

  it('does nothing for an in-memory database', async () => {
    const db = openDatabase(':memory:')
    const checkpointer = startCheckpointer(db, { logger: silent })
    expect(checkpointer.stats().runs).toBe(0)
    await checkpointer.stop()
    db.close()
  })
})

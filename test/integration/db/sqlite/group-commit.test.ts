import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { GroupCommit } from '../../../../src/db/sqlite/group-commit.js'
import { openDatabase, type SqliteDatabase } from '../../../../src/db/sqlite/open.js'
import { tempDir } from '../../../support/site.js'

let cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.reverse()) cleanup()
  cleanups = []
})

/** A table on a temp SQLite file, a GroupCommit over it, and a second connection to look. */
function setup(maxBatch?: number): {
  db: SqliteDatabase
  other: SqliteDatabase
  writes: GroupCommit
  insert: (n: number) => number
} {
  const tmp = tempDir()
  const path = join(tmp.dir, 'group-commit.db')
  const db = openDatabase(path)
  db.exec('CREATE TABLE t (n INTEGER PRIMARY KEY) STRICT')
  const other = openDatabase(path)
  cleanups.push(() => {
    other.close()
    if (db.open) db.close()
    tmp.remove()
  })
  const statement = db.prepare<[number]>('INSERT INTO t (n) VALUES (?)')
  const writes = new GroupCommit(db, maxBatch === undefined ? {} : { maxBatch })
  return { db, other, writes, insert: (n) => Number(statement.run(n).lastInsertRowid) }
}

const count = (db: SqliteDatabase): number =>
  db.prepare<[], { c: number }>('SELECT count(*) AS c FROM t').get()?.c ?? -1

/**
 * A second connection holding nothing yet (`lockHolder`, to `BEGIN IMMEDIATE` as another process
 * would) and a group commit over a third connection that waits only 10 ms for the write lock.
 */
function lockedByAnother(other: SqliteDatabase): {
  lockHolder: SqliteDatabase
  impatient: SqliteDatabase
  shortTimeout: GroupCommit
} {
  const lockHolder = openDatabase(other.name)
  const impatient = openDatabase(other.name, { busyTimeoutMs: 10 })
  cleanups.push(() => {
    impatient.close()
    lockHolder.close()
  })
  return { lockHolder, impatient, shortTimeout: new GroupCommit(impatient) }
}

describe('GroupCommit', () => {
  it('commits the writes of one turn in one transaction, visible only once committed', async () => {
    const { other, writes, insert } = setup()
    const pending = [1, 2, 3, 4, 5].map((n) => writes.run(() => insert(n)))
    // Nothing is written, let alone visible to another connection, before the turn ends.
    expect(count(other)).toBe(0)
    await expect(Promise.all(pending)).resolves.toEqual([1, 2, 3, 4, 5])
    expect(count(other)).toBe(5)
    expect(writes.stats()).toEqual({ commits: 1, writes: 5 })
  })

  it('rolls back only the write that threw; the others commit, run again after it', async () => {
    const { other, writes, insert } = setup()
    const runs = { ok1: 0, failing: 0, ok2: 0 }
    const ok1 = writes.run(() => {
      runs.ok1 += 1
      return insert(1)
    })
    const failing = writes.run(() => {
      runs.failing += 1
      insert(2)
      insert(1) // primary key taken: this write's own insert of 2 must vanish too
    })
    const ok2 = writes.run(() => {
      runs.ok2 += 1
      return insert(3)
    })
    await expect(ok1).resolves.toBe(1)
    await expect(failing).rejects.toThrow(/UNIQUE/)
    await expect(ok2).resolves.toBe(3)
    expect(other.prepare('SELECT n FROM t ORDER BY n').pluck().all()).toEqual([1, 3])
    // The first transaction was rolled back whole; the second ran the two others, not the failed one.
    expect(runs).toEqual({ ok1: 2, failing: 1, ok2: 1 })
    expect(writes.stats()).toEqual({ commits: 2, writes: 3 })
  })

  it('a second failure in the same burst costs no third try: each write in its own savepoint', async () => {
    const { other, writes, insert } = setup()
    const results = await Promise.allSettled([
      writes.run(() => insert(1)),
      writes.run(() => [insert(2), insert(1)]),
      writes.run(() => insert(3)),
      writes.run(() => [insert(4), insert(3)]),
      writes.run(() => insert(5)),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled'])
    expect(other.prepare('SELECT n FROM t ORDER BY n').pluck().all()).toEqual([1, 3, 5])
    expect(writes.stats()).toEqual({ commits: 2, writes: 5 })
  })

  it('a write alone in its transaction: when it throws, all of its rows roll back and the next commits', async () => {
    const { db, other, writes, insert } = setup()
    const failing = writes.run(() => {
      insert(1)
      insert(2)
      insert(1)
    })
    await expect(failing).rejects.toThrow(/UNIQUE/)
    expect(writes.stats()).toEqual({ commits: 1, writes: 1 })
    expect(db.inTransaction).toBe(false)
    expect(count(other)).toBe(0)
    // Nested transactions inside a lone write still work (as savepoints of its transaction).
    const nested = db.transaction(() => insert(5))
    await expect(writes.run(() => [insert(4), nested()])).resolves.toEqual([4, 5])
    expect(other.prepare('SELECT n FROM t ORDER BY n').pluck().all()).toEqual([4, 5])
  })

  it('a lone write whose transaction cannot begin is rejected and applies nothing', async () => {
    const { other, writes, insert } = setup()
    const { lockHolder, impatient, shortTimeout } = lockedByAnother(other)
    const statement = impatient.prepare<[number]>('INSERT INTO t (n) VALUES (?)')
    lockHolder.exec('BEGIN IMMEDIATE')
    let ran = false
    const lone = shortTimeout.run(() => {
      ran = true
      statement.run(9)
    })
    await expect(lone).rejects.toThrow(/locked|busy/i)
    expect(ran).toBe(false)
    lockHolder.exec('ROLLBACK')
    expect(count(other)).toBe(0)
    await expect(writes.run(() => insert(7))).resolves.toBe(7)
  })

  it('rejects every write of a batch whose transaction cannot begin, and applies none', async () => {
    const { other, writes, insert } = setup()
    const { lockHolder, shortTimeout } = lockedByAnother(other)
    lockHolder.exec('BEGIN IMMEDIATE')
    const a = shortTimeout.run(() => 1)
    const b = shortTimeout.run(() => 2)
    await expect(a).rejects.toThrow(/locked|busy/i)
    await expect(b).rejects.toThrow(/locked|busy/i)
    lockHolder.exec('ROLLBACK')
    await expect(writes.run(() => insert(7))).resolves.toBe(7)
    expect(count(other)).toBe(1)
  })

  it('splits a burst larger than maxBatch into several commits, in order', async () => {
    const { other, writes, insert } = setup(3)
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => writes.run(() => insert(i + 1))))
    expect(results).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(writes.stats()).toEqual({ commits: 3, writes: 8 })
    expect(count(other)).toBe(8)
  })

  it('flush() commits pending writes at once, so closing loses nothing', async () => {
    const { db, other, writes, insert } = setup()
    const pending = writes.run(() => insert(42))
    writes.flush()
    db.close()
    await expect(pending).resolves.toBe(42)
    expect(count(other)).toBe(1)
  })

  it('rejects writes queued after the database was closed', async () => {
    const { db, writes } = setup()
    const pending = writes.run(() => 1)
    db.close()
    await expect(pending).rejects.toThrow(/closed/)
  })

  it('refuses a nonsensical batch size', () => {
    const { db } = setup()
    expect(() => new GroupCommit(db, { maxBatch: 0 })).toThrow(RangeError)
  })
})

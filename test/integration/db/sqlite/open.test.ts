import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../../../../src/db/sqlite/open.js'
import { tempDir } from '../../../support/site.js'

let cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.reverse()) cleanup()
  cleanups = []
})

describe('openDatabase', () => {
  it('creates a new file with the page size asked for, in WAL mode; an existing file keeps its own', () => {
    const tmp = tempDir()
    cleanups.push(() => {
      tmp.remove()
    })
    const path = join(tmp.dir, 'paged.db')
    const created = openDatabase(path, { pageSize: 8192 })
    created.exec('CREATE TABLE t (n INTEGER PRIMARY KEY) STRICT; INSERT INTO t VALUES (1)')
    expect(created.pragma('page_size', { simple: true })).toBe(8192)
    expect(created.pragma('journal_mode', { simple: true })).toBe('wal')
    created.close()
    const reopened = openDatabase(path, { pageSize: 1024 })
    expect(reopened.pragma('page_size', { simple: true })).toBe(8192)
    expect(reopened.prepare('SELECT n FROM t').pluck().get()).toBe(1)
    reopened.close()
    const byDefault = openDatabase(join(tmp.dir, 'default.db'))
    expect(byDefault.pragma('page_size', { simple: true })).toBe(4096)
    expect(byDefault.pragma('synchronous', { simple: true })).toBe(1)
    byDefault.close()
  })
})

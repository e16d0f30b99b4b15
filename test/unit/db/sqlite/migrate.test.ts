import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { migrate, MigrationError, readMigrations } from '../../../../src/db/sqlite/migrate.js'
import { openDatabase, type SqliteDatabase } from '../../../../src/db/sqlite/open.js'
import { tempDir } from '../../../support/site.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

function setup(files: Record<string, string>): { db: SqliteDatabase; dir: string } {
  const tmp = tempDir()
  const dir = join(tmp.dir, 'migrations')
  mkdirSync(dir)
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql)
  const db = openDatabase(join(tmp.dir, 'db', 'test.db'))
  cleanups.push(() => {
    db.close()
    tmp.remove()
  })
  return { db, dir }
}

const tables = (db: SqliteDatabase) =>
  db
    .prepare<[], { name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .all()
    .map((r) => r.name)

describe('migrations', () => {
  it('opens with WAL, foreign keys and a busy timeout', () => {
    const { db } = setup({})
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000)
  })

  it('applies files in numeric order, each once', () => {
    const { db, dir } = setup({
      '002_b.sql': 'ALTER TABLE a ADD COLUMN y INTEGER;',
      '001_a.sql': 'CREATE TABLE a (x INTEGER);',
    })
    expect(migrate(db, readMigrations(dir)).applied).toEqual(['001_a.sql', '002_b.sql'])
    const again = migrate(db, readMigrations(dir))
    expect(again).toEqual({ applied: [], alreadyApplied: 2 })
    expect(tables(db)).toEqual(['a', 'schema_migrations'])
  })

  it('rolls back a half-applied migration and stops there', () => {
    const { db, dir } = setup({
      '001_a.sql': 'CREATE TABLE a (x INTEGER);',
      '002_broken.sql': 'CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);',
      '003_c.sql': 'CREATE TABLE c (x INTEGER);',
    })
    expect(() => migrate(db, readMigrations(dir))).toThrow(MigrationError)
    expect(tables(db)).toEqual(['a', 'schema_migrations'])
    const versions = db.prepare<[], { version: number }>('SELECT version FROM schema_migrations').all()
    expect(versions.map((r) => r.version)).toEqual([1])
  })

  it('refuses an applied migration that was edited', () => {
    const { db, dir } = setup({ '001_a.sql': 'CREATE TABLE a (x INTEGER);' })
    migrate(db, readMigrations(dir))
    writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE a (x TEXT);')
    expect(() => migrate(db, readMigrations(dir))).toThrow(/changed after it was applied/)
  })

  it('refuses badly named or duplicate-numbered files', () => {
    expect(() => readMigrations(setup({ 'init.sql': 'SELECT 1;' }).dir)).toThrow(MigrationError)
    expect(() => readMigrations(setup({ '001_a.sql': 'SELECT 1;', '1_b.sql': 'SELECT 1;' }).dir)).toThrow(
      /share number 1/,
    )
  })

  it("applies the project's own migrations to a fresh database", () => {
    const { db } = setup({})
    const report = migrate(db)
    expect(report.applied.length).toBeGreaterThan(0)
    expect(tables(db)).toEqual(expect.arrayContaining(['users', 'sessions', 'login_replays']))
  })
})

import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { SqliteDatabase } from './open.js'
import { toUnixSeconds } from '../../time.js'

/** The `migrations/` folder of this package, found from here in `src/` and in `dist/` alike. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url))

/** One SQL file of `migrations/`. */
export interface Migration {
  /** The number the file name starts with, e.g. 1 for `001_members.sql`. */
  readonly version: number
  /** The file name. */
  readonly name: string
  readonly sql: string
  /** SHA-256 of the SQL, recorded so an edited, already applied migration is noticed. */
  readonly checksum: string
}

/** Raised when the migration files or the recorded history do not fit together. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError'
  /** The file concerned, when there is one. */
  readonly file: string | undefined

  constructor(message: string, file?: string, options?: ErrorOptions) {
    super(message, options)
    this.file = file
  }
}

/** Reads `NNN_name.sql` files from `dir`, ordered by number. */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations: Migration[] = []
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    const match = /^(\d+)_[\w-]+\.sql$/.exec(name)
    if (!match) throw new MigrationError(`migration file name must look like 001_name.sql`, name)
    const sql = readFileSync(join(dir, name), 'utf8')
    migrations.push({
      version: Number(match[1]),
      name,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    })
  }
  migrations.sort((a, b) => a.version - b.version)
  for (let i = 1; i < migrations.length; i++) {
    const previous = migrations[i - 1]
    const current = migrations[i]
    if (previous && current && previous.version === current.version) {
      throw new MigrationError(`two migrations share number ${String(current.version)}`, current.name)
    }
  }
  return migrations
}

/** What {@link migrate} did. */
export interface MigrationReport {
  /** File names applied by this call, in order. */
  readonly applied: readonly string[]
  /** Migrations that were already applied before this call. */
  readonly alreadyApplied: number
}

/**
 * Applies pending migrations in order, each in its own transaction together with its row in
 * `schema_migrations`, so a failing file leaves the database as it was before that file.
 * Runs under `BEGIN IMMEDIATE`, so a web process and a release phase starting at once
 * serialize instead of applying a file twice.
 */
export function migrate(db: SqliteDatabase, migrations: readonly Migration[] = readMigrations()): MigrationReport {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    checksum   TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`)
  const recorded = db.prepare<[number], { name: string; checksum: string }>(
    'SELECT name, checksum FROM schema_migrations WHERE version = ?',
  )
  const record = db.prepare<[number, string, string, number]>(
    'INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)',
  )
  const applied: string[] = []
  let alreadyApplied = 0
  for (const migration of migrations) {
    const applyOne = db.transaction(() => {
      const row = recorded.get(migration.version)
      if (row) {
        if (row.checksum !== migration.checksum) {
          throw new MigrationError(
            `${migration.name} was changed after it was applied (as ${row.name}); add a new migration instead`,
            migration.name,
          )
        }
        return false
      }
      try {
        db.exec(migration.sql)
      } catch (cause) {
        throw new MigrationError(`${migration.name} failed: ${(cause as Error).message}`, migration.name, { cause })
      }
      record.run(migration.version, migration.name, migration.checksum, toUnixSeconds(Date.now()))
      return true
    })
    if (applyOne.immediate()) applied.push(migration.name)
    else alreadyApplied++
  }
  return { applied, alreadyApplied }
}

import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { CompletedLogin } from '../../src/db/logins.js'
import { migrate, readMigrations } from '../../src/db/migrate.js'
import { openDatabase, type SqliteDatabase } from '../../src/db/open.js'
import { createStore, type Store } from '../../src/db/store.js'
import { tempDir } from '../support/site.js'

let cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.reverse()) cleanup()
  cleanups = []
})

const NOW = 1_900_000_000

function login(hash: string, authDate: number, telegramId = 5001): CompletedLogin {
  return {
    hash,
    authDate,
    hashExpiresAt: authDate + 601,
    profile: { telegramId, firstName: 'Ada', lastName: null, username: null, photoUrl: null, allowsWriteToPm: false },
    session: { idHash: `session-${hash}`, data: {}, expiresAt: NOW + 3600 },
    previousSessionIdHash: undefined,
  }
}

/** A database migrated up to (not including) `before`, then the rest, with `between` run in the gap. */
function migratedAcross(before: number, between: (db: SqliteDatabase) => void): { db: SqliteDatabase; store: Store } {
  const tmp = tempDir()
  const db = openDatabase(join(tmp.dir, 'k.db'))
  const all = readMigrations()
  migrate(
    db,
    all.filter((m) => m.version < before),
  )
  between(db)
  migrate(db, all)
  const store = createStore(db, () => NOW * 1000)
  cleanups.push(() => {
    store.close()
    tmp.remove()
  })
  return { db, store }
}

describe('login replay records (keyed by auth_date and hash)', () => {
  it('refuses the same signed login twice, and accepts another hash of the same second', async () => {
    const { store } = migratedAcross(1_000, () => undefined)
    await expect(store.logins.complete(login('a'.repeat(64), NOW), NOW)).resolves.toMatchObject({ ok: true })
    await expect(store.logins.complete(login('a'.repeat(64), NOW), NOW)).resolves.toEqual({
      ok: false,
      reason: 'replayed',
    })
    await expect(store.logins.complete(login('b'.repeat(64), NOW), NOW)).resolves.toMatchObject({ ok: true })
  })

  it('keeps refusing hashes recorded before migration 008 until they expire, then forgets them', async () => {
    const legacy = 'c'.repeat(64)
    const { db, store } = migratedAcross(8, (old) => {
      old.prepare('INSERT INTO login_replays (hash, expires_at) VALUES (?, ?)').run(legacy, NOW + 300)
    })
    expect(db.prepare('SELECT auth_date, hash, expires_at FROM login_replays').all()).toEqual([
      { auth_date: -1, hash: legacy, expires_at: NOW + 300 },
    ])
    await expect(store.logins.complete(login(legacy, NOW - 100), NOW)).resolves.toEqual({
      ok: false,
      reason: 'replayed',
    })
    // Nothing of the refused login was written.
    expect(db.prepare('SELECT count(*) FROM users').pluck().get()).toBe(0)
    expect(await store.logins.purgeExpired(NOW + 300)).toBe(1)
    expect(db.prepare('SELECT count(*) FROM login_replays').pluck().get()).toBe(0)
  })
})

import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { migrate, readMigrations } from '../../../../src/db/sqlite/migrate.js'
import { openDatabase } from '../../../../src/db/sqlite/open.js'
import { createSqliteStore } from '../../../../src/db/sqlite/store.js'
import { karmaRequestHash } from '../../../../src/karma/events.js'
import { appendEvents, brokenChains } from '../../../support/store.js'
import { tempDir } from '../../../support/site.js'

// Migration 009 replaces the (user_id, id) index of karma_events by a chain: each event names
// the member's previous one, each member their latest. These check the migration of a ledger
// written before it, and what the chain must keep doing.

let cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.reverse()) cleanup()
  cleanups = []
})

const T = 1_900_000_000

describe('migration 009: karma events chained by member', () => {
  it('chains a ledger written before it, keeps every event as it was, and the site reads it as before', async () => {
    const tmp = tempDir()
    const db = openDatabase(join(tmp.dir, 'ledger.db'))
    cleanups.push(() => {
      if (db.open) db.close()
      tmp.remove()
    })
    migrate(
      db,
      readMigrations().filter((m) => m.version <= 8),
    )
    const addUser = db.prepare<[{ id: number; telegramId: number | null; karma: number }]>(
      'INSERT INTO users (id, telegram_id, karma, created_at, updated_at) VALUES (@id, @telegramId, @karma, 1, 1)',
    )
    addUser.run({ id: 1, telegramId: 101, karma: 6 })
    addUser.run({ id: 2, telegramId: 102, karma: 30 })
    addUser.run({ id: 3, telegramId: 103, karma: 0 })
    const addEvent = db.prepare<
      [{ id: number; user: number; delta: number; after: number; key: string; hash: string }]
    >(
      `INSERT INTO karma_events (id, user_id, delta, reason, source, actor, idempotency_key, request_hash, karma_after, created_at)
       VALUES (@id, @user, @delta, 'r', 'api', 'site', @key, @hash, @after, @id)`,
    )
    // Interleaved, with gaps in the ids: member 1 has 10, 13, 14; member 2 has 11, 20.
    for (const [id, user, delta, after] of [
      [10, 1, 1, 1],
      [11, 2, 10, 10],
      [13, 1, 2, 3],
      [14, 1, 3, 6],
      [20, 2, 20, 30],
    ] as const) {
      const hash = karmaRequestHash({
        member: { telegramId: 100 + user },
        delta,
        reason: 'r',
        source: 'api',
      })
      addEvent.run({ id, user, delta, after, key: `k${String(id)}`, hash })
    }
    const before = db.prepare('SELECT * FROM karma_events ORDER BY id').all()

    expect(
      migrate(
        db,
        readMigrations().filter((m) => m.version <= 9),
      ).applied,
    ).toEqual(['009_karma_events_member_chain.sql'])

    const rows = db.prepare<[], { id: number; prev_id: number | null }>('SELECT * FROM karma_events ORDER BY id').all()
    expect(rows.map(({ prev_id: _, ...rest }) => rest)).toEqual(before)
    expect(rows.map((r) => [r.id, r.prev_id])).toEqual([
      [10, null],
      [11, null],
      [13, 10],
      [14, 13],
      [20, 11],
    ])
    expect(db.prepare('SELECT id, last_event_id FROM users ORDER BY id').raw().all()).toEqual([
      [1, 14],
      [2, 20],
      [3, null],
    ])
    expect(brokenChains(db)).toEqual([])
    // The index that every batch scattered its writes over, and the foreign key that needed it, are gone.
    expect(
      db
        .prepare(
          `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'karma_events' AND sql IS NOT NULL`,
        )
        .all(),
    ).toEqual([])
    expect(db.pragma('foreign_key_list(karma_events)')).toEqual([])
    expect(db.pragma('foreign_key_check')).toEqual([])

    // A member with events cannot be deleted (their events would be left behind); one without can.
    expect(() => db.prepare('DELETE FROM users WHERE id = 1').run()).toThrow(/cannot be deleted/)
    expect(db.prepare('DELETE FROM users WHERE id = 3').run().changes).toBe(1)

    migrate(db)
    const store = createSqliteStore(db, () => (T + 5) * 1000)
    const [appended] = await appendEvents(store, [
      { member: { telegramId: 101 }, delta: 4, reason: 'more', source: 'api', actor: 'site', idempotencyKey: 'new-1' },
      { member: { telegramId: 102 }, delta: -5, reason: 'less', source: 'api', actor: 'site', idempotencyKey: 'new-2' },
      { member: { telegramId: 101 }, delta: 1, reason: 'again', source: 'api', actor: 'site', idempotencyKey: 'new-3' },
    ])
    expect(appended?.event).toMatchObject({ id: 21, karmaAfter: 10 })
    expect(brokenChains(db)).toEqual([])
    expect((await store.adminStats.recentKarmaEvents(1, 3)).map((e) => e.id)).toEqual([23, 21, 14])
    expect((await store.adminStats.recentKarmaEvents(1, 10)).map((e) => e.id)).toEqual([23, 21, 14, 13, 10])
    expect((await store.adminStats.recentKarmaEvents(2, 10)).map((e) => [e.id, e.memberId, e.karmaAfter])).toEqual([
      [22, 2, 25],
      [20, 2, 30],
      [11, 2, 10],
    ])
    expect(await store.karma.ledgerSum(1)).toBe(11)
    expect(await store.karma.ledgerSum(2)).toBe(25)
    expect(await store.karma.ledgerSum(99)).toBe(0)
    // A replay of a key stored before the migration still gives its first result, and adds nothing.
    const [replay] = await appendEvents(store, [
      { member: { telegramId: 101 }, delta: 2, reason: 'r', source: 'api', actor: 'site', idempotencyKey: 'k13' },
    ])
    expect(replay).toMatchObject({ replayed: true, event: { id: 13, karmaAfter: 3 }, member: { id: 1, karma: 3 } })
    expect(await store.karma.ledgerSum(1)).toBe(11)
    expect(brokenChains(db)).toEqual([])
    await store.close()
  })
})

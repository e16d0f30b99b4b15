import { afterEach } from 'vitest'
import { appendKarmaEvent, appendKarmaEvents } from '../../src/karma/append.js'
import type { KarmaAppendResult, KarmaSource, MemberRef } from '../../src/karma/events.js'
import type { NewJob } from '../../src/jobs/kinds.js'
import { join } from 'node:path'
import type { SqliteDatabase } from '../../src/db/sqlite/open.js'
import { openDatabase } from '../../src/db/sqlite/open.js'
import { openSqliteStore } from '../../src/db/sqlite/store.js'
import type { Store } from '../../src/db/store.js'
import { tempDir } from './site.js'

/** A migrated store over a temp SQLite file, on a clock the test moves. */
export interface TestStore {
  readonly store: Store
  readonly dbPath: string
  /** A second connection to the same file, for reading what is really stored. */
  readonly db: SqliteDatabase
  now(): number
  advance(ms: number): void
  close(): Promise<void>
}

export function openTestStore(startMs = Date.UTC(2030, 0, 1)): TestStore {
  const tmp = tempDir()
  const dbPath = join(tmp.dir, 'karmagate.db')
  let now = startMs
  const { store } = openSqliteStore(dbPath, () => now)
  const db = openDatabase(dbPath)
  return {
    store,
    dbPath,
    db,
    now: () => now,
    advance: (ms) => {
      now += ms
    },
    close: async () => {
      db.close()
      await store.close()
      tmp.remove()
    },
  }
}

/** A member with a Telegram id, created as a login would. */
export async function addMember(
  t: TestStore,
  telegramId: number,
  name = `Member ${String(telegramId)}`,
): Promise<number> {
  return t.store.members.recordBotContact({ telegramId, firstName: name, lastName: null, username: null }, t.now())
}

/** An active chat (as if the worker had created it) with an invite link. */
export async function addActiveChat(
  t: TestStore,
  title = 'Inner circle',
  telegramChatId = -1001000000001,
): Promise<number> {
  const now = t.now()
  const chat = await t.store.chats.create(title, '', now)
  await t.store.chats.markActive(chat.id, telegramChatId, now)
  await t.store.chats.setInviteLink(chat.id, 'https://t.me/+sandboxInvite', now)
  return chat.id
}

/** Jobs in the table, oldest first, as [kind, payload] pairs. */
export function queuedJobs(t: TestStore, state = 'queued'): [string, unknown][] {
  return t.db
    .prepare<[string], { kind: string; payload: string }>('SELECT kind, payload FROM jobs WHERE state = ? ORDER BY id')
    .all(state)
    .map((r) => [r.kind, JSON.parse(r.payload) as unknown])
}

/**
 * A factory of test stores, each closed (and its file removed) after the test that made it.
 * Call at the top of a test file: `const store = testStores()`.
 */
export function testStores(): () => TestStore {
  const open: TestStore[] = []
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close()
  })
  return () => {
    const t = openTestStore()
    open.push(t)
    return t
  }
}

/**
 * Members whose chain of karma events (migration 009) is not exactly their events newest first:
 * an event whose `prev_id` is not the member's previous event, or a member whose
 * `last_event_id` is not their latest. Empty when every chain is intact.
 */
export function brokenChains(db: SqliteDatabase): number[] {
  return db
    .prepare<[], number>(
      `SELECT user_id FROM (
         SELECT user_id, prev_id, lag(id) OVER (PARTITION BY user_id ORDER BY id) AS expected FROM karma_events)
       WHERE prev_id IS NOT expected
       UNION
       SELECT u.id FROM users u
       LEFT JOIN (SELECT user_id, max(id) AS latest FROM karma_events GROUP BY user_id) e ON e.user_id = u.id
       WHERE u.last_event_id IS NOT e.latest
       UNION
       SELECT e.user_id FROM karma_events e LEFT JOIN users u ON u.id = e.user_id WHERE u.id IS NULL
       ORDER BY 1`,
    )
    .pluck()
    .all()
}

/** A karma event as tests write it: its fields and its origin together. */
export interface TestKarmaEvent {
  readonly member: MemberRef
  readonly delta: number
  readonly reason: string
  readonly source: KarmaSource
  readonly actor: string
  readonly idempotencyKey: string
}

const fieldsOf = (e: TestKarmaEvent) => ({
  member: e.member,
  delta: e.delta,
  reason: e.reason,
  idempotencyKey: e.idempotencyKey,
})

/** Appends one event through the ledger's one way in (checked, then stored). */
export function appendEvent(store: Store, event: TestKarmaEvent): Promise<KarmaAppendResult> {
  return appendKarmaEvent(store, { source: event.source, actor: event.actor }, fieldsOf(event))
}

/** Appends a batch through the ledger's one way in; the origin is the first event's. */
export function appendEvents(store: Store, events: readonly TestKarmaEvent[]): Promise<KarmaAppendResult[]> {
  const origin = events[0] ?? { source: 'api' as const, actor: 'test' }
  return appendKarmaEvents(store, { source: origin.source, actor: origin.actor }, events.map(fieldsOf))
}

/**
 * Queues `job` and lets it die at once with `error`, as a runner would after its last attempt:
 * the job must be the only one of its owner due now.
 */
export async function deadJob(store: Store, job: NewJob, error: string, now: number): Promise<number> {
  const id = await store.jobs.enqueue(job, now)
  const lease = await store.jobs.claim(job.owner, now, { leaseMs: 60_000 })
  if (id === undefined || lease?.id !== id) throw new Error('deadJob: the job was not the one due')
  await store.jobs.kill(lease, error, now)
  return id
}

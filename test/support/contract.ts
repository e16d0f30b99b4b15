import { join } from 'node:path'
import { afterEach, describe, expect } from 'vitest'
import { openDatabase } from '../../src/db/sqlite/open.js'
import { openSqliteStore } from '../../src/db/sqlite/store.js'
import type { Store } from '../../src/db/store.js'
import type { KarmaEvent } from '../../src/karma/events.js'
import type { Clock } from '../../src/time.js'
import { tempDir } from './site.js'
import { brokenChains } from './store.js'

/**
 * The store's contract suite runs every test of `test/integration/db/*.test.ts` against each
 * engine in {@link ENGINES}. A test sees only the {@link Store} interface: no SQL, no driver.
 *
 * To add an engine (PostgreSQL), write a {@link StoreEngine} (open a new empty, migrated database
 * with the given clock; give another store over it; close and drop it) and add it to
 * {@link ENGINES}, e.g. only when its server is configured:
 *
 * ```ts
 * export const ENGINES = [sqliteEngine, ...(process.env.TEST_POSTGRES_URL ? [postgresEngine] : [])]
 * ```
 *
 * `STORE_ENGINES=sqlite,postgres` (comma-separated names) runs only those engines.
 */

/** One engine's fresh database, opened for one test. */
export interface EngineInstance {
  /** A store over the new, empty, migrated database, dated by the clock given to `open`. */
  readonly store: Store
  /**
   * Another store over the same database, as another process (the site beside the worker) opens
   * one: for what the contract says of several processes (an API key revoked elsewhere). Closed
   * by {@link close}.
   */
  openAnother(): Promise<Store>
  /**
   * What is wrong underneath, in the engine's own storage, that the interface cannot show (SQLite:
   * karma-event chains of migration 009 that are not exactly each member's events); empty when
   * nothing is. The one look under the interface the contract suite makes, through
   * {@link ContractStore.expectLedgerIntact}; an engine with nothing of the kind returns `[]`.
   */
  integrityProblems(): Promise<string[]>
  /** Closes every store of this database (those the test closed already included) and deletes it. */
  close(): Promise<void>
}

/** A storage engine the contract suite runs against. */
export interface StoreEngine {
  /** Short name, shown in the test names: `sqlite`, `postgres`. */
  readonly name: string
  /** Creates a new, empty database with every migration applied; its stores read `clock`. */
  open(clock: Clock): Promise<EngineInstance>
}

/** SQLite over a temp file, as production runs it (WAL, group commit, migrations). */
export const sqliteEngine: StoreEngine = {
  name: 'sqlite',
  // better-sqlite3 answers synchronously: each promise below is already settled.
  open: (clock) => {
    const tmp = tempDir('karmagate-contract-')
    const path = join(tmp.dir, 'karmagate.db')
    const store = openSqliteStore(path, clock).store
    const stores: Store[] = [store]
    return Promise.resolve({
      store,
      openAnother: () => {
        const another = openSqliteStore(path, clock).store
        stores.push(another)
        return Promise.resolve(another)
      },
      integrityProblems: () => {
        // A connection of its own, to read what is really stored (the store's writes are committed
        // by the time its promises resolve).
        const db = openDatabase(path)
        try {
          return Promise.resolve(brokenChains(db).map((id) => `member ${String(id)}: karma-event chain broken`))
        } finally {
          db.close()
        }
      },
      close: async () => {
        // A store the test closed already closes again as a no-op.
        for (const s of stores.splice(0).reverse()) await s.close()
        tmp.remove()
      },
    })
  },
}

/** Every engine the contract suite knows. */
export const ALL_ENGINES: readonly StoreEngine[] = [sqliteEngine]

/** The engines the suite runs against: {@link ALL_ENGINES}, or those `STORE_ENGINES` names. */
export const ENGINES: readonly StoreEngine[] = selectEngines(process.env.STORE_ENGINES)

function selectEngines(names: string | undefined): readonly StoreEngine[] {
  if (names === undefined || names.trim() === '') return ALL_ENGINES
  const wanted = names.split(',').map((n) => n.trim())
  const unknown = wanted.filter((n) => !ALL_ENGINES.some((e) => e.name === n))
  if (unknown.length > 0) throw new Error(`STORE_ENGINES names unknown engines: ${unknown.join(', ')}`)
  return ALL_ENGINES.filter((e) => wanted.includes(e.name))
}

/** Where each test's clock starts: a whole second, as every engine stores it exactly. */
export const START = Date.UTC(2030, 0, 1)

/** A fresh store for one test, on a clock the test moves. */
export interface ContractStore {
  /** The engine's name. */
  readonly engine: string
  readonly store: Store
  /** The store's clock (ms since the epoch); starts at {@link START} unless `open` says otherwise. */
  now(): number
  /** Moves the clock forward. */
  advance(ms: number): void
  /** Another store over the same database (see {@link EngineInstance.openAnother}), on the same clock. */
  openAnother(): Promise<Store>
  /**
   * Checks the karma ledger of every member: the cached karma is the sum of the ledger, the
   * member's events come newest first and are theirs, and the engine finds nothing wrong underneath.
   */
  expectLedgerIntact(): Promise<void>
}

/** Opens a fresh store for the running test; closed (and its database dropped) after it. */
export type OpenStore = (options?: { readonly startMs?: number }) => Promise<ContractStore>

/**
 * Declares the tests in `body` once per engine, as `describe(`${title} [engine]`)`. `body` gets
 * `open`, which gives each test its own fresh store. Call at the top level of a test file.
 */
export function describeStore(title: string, body: (open: OpenStore) => void): void {
  for (const engine of ENGINES) {
    describe(`${title} [${engine.name}]`, () => {
      const opened: EngineInstance[] = []
      afterEach(async () => {
        for (const instance of opened.splice(0).reverse()) await instance.close()
      })
      body(async (options = {}) => {
        let now = options.startMs ?? START
        const instance = await engine.open(() => now)
        opened.push(instance)
        const t: ContractStore = {
          engine: engine.name,
          store: instance.store,
          now: () => now,
          advance: (ms) => {
            now += ms
          },
          openAnother: () => instance.openAnother(),
          expectLedgerIntact: async () => {
            for (const m of await allMembers(instance.store)) {
              const events = await allKarmaEvents(instance.store, m.id)
              expect(await instance.store.karma.ledgerSum(m.id), `ledger of member ${String(m.id)}`).toBe(m.karma)
              expect(events.reduce((sum, e) => sum + e.delta, 0)).toBe(m.karma)
              expect(events.every((e) => e.memberId === m.id)).toBe(true)
              expect(events.map((e) => e.id)).toEqual(events.map((e) => e.id).sort((a, b) => b - a))
            }
            expect(await instance.integrityProblems()).toEqual([])
          },
        }
        return t
      })
    })
  }
}

// Fixtures and reads through the interface alone, for any engine.

/** A member known by Telegram id, as the bot's `/start` creates one; resolves to their id. */
export async function addMember(t: ContractStore, telegramId: number, firstName = `Member ${String(telegramId)}`) {
  return t.store.members.recordBotContact({ telegramId, firstName, lastName: null, username: null }, t.now())
}

/** An active chat (as if the worker had created it) with an invite link; resolves to its id. */
export async function addActiveChat(
  t: ContractStore,
  title = 'Inner circle',
  telegramChatId = -1001000000001,
): Promise<number> {
  const chat = await t.store.chats.create(title, '', t.now())
  await t.store.chats.markActive(chat.id, telegramChatId, t.now())
  await t.store.chats.setInviteLink(chat.id, `https://t.me/+invite${String(chat.id)}`, t.now())
  return chat.id
}

/** Every member, newest first, through `members.search`'s pages. */
export async function allMembers(store: Store) {
  const members = []
  let before: number | undefined
  for (;;) {
    const page = await store.members.search({ limit: 100, before })
    members.push(...page.members)
    if (page.nextBefore === undefined) return members
    before = page.nextBefore
  }
}

/** Far more events than any test appends for one member. */
const EVERY_EVENT = 1_000_000

/** All of a member's karma events, newest first. */
export async function allKarmaEvents(store: Store, memberId: number): Promise<KarmaEvent[]> {
  return store.adminStats.recentKarmaEvents(memberId, EVERY_EVENT)
}

/** Jobs in one state, oldest first, as `[kind, payload]` pairs. */
export async function jobsIn(store: Store, state: 'queued' | 'running' | 'done' | 'dead' = 'queued') {
  const jobs = await store.jobs.recent(EVERY_EVENT, state)
  return jobs.reverse().map((j): [string, unknown] => [j.kind, j.payload])
}

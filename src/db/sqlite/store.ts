import type { OpenedStore, Store } from '../store.js'
import { SqliteAdminStatsRepository } from './admin-stats.js'
import { SqliteApiKeyRepository } from './api-keys.js'
import { SqliteAuditRepository } from './audit.js'
import { SqliteBotStorageRepository } from './bot-storage.js'
import { SqliteCanaryRepository } from './canary.js'
import { SqliteChatRepository } from './chats.js'
import { type Checkpointer, type CheckpointerOptions, startCheckpointer } from './checkpointer.js'
import { GroupCommit } from './group-commit.js'
import { SqliteGroupRepository } from './groups.js'
import { SqliteHoldRepository } from './holds.js'
import { SqliteJobRepository } from './jobs.js'
import { SqliteKarmaRepository } from './karma.js'
import { SqliteLoginRepository } from './logins.js'
import { SqliteMemberRepository } from './members.js'
import { SqliteMembershipRepository } from './memberships.js'
import { migrate } from './migrate.js'
import { openDatabase, type SqliteDatabase } from './open.js'
import { SqliteReconcileRepository } from './reconcile.js'
import { SqliteRuleRepository } from './rules.js'
import { SqliteSessionRepository } from './sessions.js'
import { SqliteWorkerStateRepository } from './worker-state.js'

/** Longest SQLite may wait for another connection's lock on the event loop, per attempt. */
const LOCK_WAIT_ON_LOOP_MS = 5

/** The SQLite store: {@link Store}, plus the group commit its hot writes go through. */
export interface SqliteStore extends Store {
  /** Commits the writes of one event-loop turn together (see {@link GroupCommit}). */
  readonly writes: GroupCommit
  /** WAL checkpoints in a thread of their own (see {@link startCheckpointer}). */
  startUpkeep(options: CheckpointerOptions): Checkpointer
}

/** Builds the repositories over an open, migrated database. */
export function createSqliteStore(db: SqliteDatabase, clock: () => number = Date.now): SqliteStore {
  const writes = new GroupCommit(db)
  const members = new SqliteMemberRepository(db, writes)
  const sessions = new SqliteSessionRepository(db, writes)
  const logins = new SqliteLoginRepository(db, members, sessions, writes)
  const reconcile = new SqliteReconcileRepository(db, writes)
  const jobs = new SqliteJobRepository(db, writes)
  const audit = new SqliteAuditRepository(db, writes)
  const ping = db.prepare('SELECT 1')
  return {
    members,
    sessions,
    logins,
    karma: new SqliteKarmaRepository(db, reconcile, writes, clock),
    groups: new SqliteGroupRepository(db, writes),
    chats: new SqliteChatRepository(db, writes),
    rules: new SqliteRuleRepository(db, writes),
    memberships: new SqliteMembershipRepository(db, jobs, audit, writes),
    jobs,
    audit,
    apiKeys: new SqliteApiKeyRepository(db, writes),
    botStorage: new SqliteBotStorageRepository(db, writes),
    reconcile,
    adminStats: new SqliteAdminStatsRepository(db),
    workerState: new SqliteWorkerStateRepository(db, writes),
    canary: new SqliteCanaryRepository(db, writes),
    holds: new SqliteHoldRepository(db, writes),
    writes,
    startUpkeep: (options) => startCheckpointer(db, options),
    ping: async () => {
      ping.get()
    },
    writesBlockedFor: () => {
      const since = writes.blockedSince()
      return since === undefined ? 0 : Date.now() - since
    },
    close: async () => {
      if (!db.open) return
      writes.flush()
      db.close()
    },
  }
}

/** Opens the SQLite file at `path`, applies pending migrations and builds the store. */
export function openSqliteStore(path: string, clock?: () => number): OpenedStore & { readonly store: SqliteStore } {
  const db = openDatabase(path)
  try {
    // Two processes starting together may wait on each other's migrations: the default timeout.
    const migrations = migrate(db)
    // From now on a lock held elsewhere stalls the event loop a few ms at most: writes wait for it
    // on timers (the group commit), and give up with StoreBusyError.
    db.pragma(`busy_timeout = ${String(LOCK_WAIT_ON_LOOP_MS)}`)
    return { store: createSqliteStore(db, clock), migrations }
  } catch (error) {
    db.close()
    throw error
  }
}

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

/** The SQLite store: {@link Store}, plus the group commit its hot writes go through. */
export interface SqliteStore extends Store {
  /** Commits the writes of one event-loop turn together (see {@link GroupCommit}). */
  readonly writes: GroupCommit
  /** WAL checkpoints in a thread of their own (see {@link startCheckpointer}). */
  startUpkeep(options: CheckpointerOptions): Checkpointer
}

/** Builds the repositories over an open, migrated database. */
export function createSqliteStore(db: SqliteDatabase, clock: () => number = Date.now): SqliteStore {
  const members = new SqliteMemberRepository(db)
  const sessions = new SqliteSessionRepository(db)
  const writes = new GroupCommit(db)
  const logins = new SqliteLoginRepository(db, members, sessions, writes)
  const reconcile = new SqliteReconcileRepository(db)
  const jobs = new SqliteJobRepository(db)
  const audit = new SqliteAuditRepository(db)
  const ping = db.prepare('SELECT 1')
  return {
    members,
    sessions,
    logins,
    karma: new SqliteKarmaRepository(db, reconcile, writes, clock),
    groups: new SqliteGroupRepository(db),
    chats: new SqliteChatRepository(db),
    rules: new SqliteRuleRepository(db),
    memberships: new SqliteMembershipRepository(db, jobs, audit),
    jobs,
    audit,
    apiKeys: new SqliteApiKeyRepository(db),
    botStorage: new SqliteBotStorageRepository(db),
    reconcile,
    adminStats: new SqliteAdminStatsRepository(db),
    workerState: new SqliteWorkerStateRepository(db),
    canary: new SqliteCanaryRepository(db),
    holds: new SqliteHoldRepository(db),
    writes,
    startUpkeep: (options) => startCheckpointer(db, options),
    ping: async () => {
      ping.get()
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
    const migrations = migrate(db)
    return { store: createSqliteStore(db, clock), migrations }
  } catch (error) {
    db.close()
    throw error
  }
}

import { AdminStatsRepository } from './admin-stats.js'
import { ApiKeyRepository } from './api-keys.js'
import { AuditRepository } from './audit.js'
import { BotStorageRepository } from './bot-storage.js'
import { CanaryRepository } from './canary.js'
import { ChatRepository } from './chats.js'
import { type Checkpointer, type CheckpointerOptions, startCheckpointer } from './checkpointer.js'
import { GroupCommit } from './group-commit.js'
import { GroupRepository } from './groups.js'
import { JobRepository } from './jobs.js'
import { KarmaRepository } from './karma.js'
import { LoginRepository } from './logins.js'
import { MemberRepository } from './members.js'
import { MembershipRepository } from './memberships.js'
import { ReconcileRepository } from './reconcile.js'
import { RuleRepository } from './rules.js'
import { migrate, type MigrationReport } from './migrate.js'
import { openDatabase, type SqliteDatabase } from './open.js'
import { SessionRepository } from './sessions.js'
import { WorkerStateRepository } from './worker-state.js'

/**
 * Every repository over one database. The signatures are async although SQLite answers
 * synchronously, so another engine can stand behind them without touching callers.
 */
export interface Store {
  readonly members: MemberRepository
  readonly sessions: SessionRepository
  readonly logins: LoginRepository
  readonly karma: KarmaRepository
  readonly groups: GroupRepository
  readonly chats: ChatRepository
  readonly rules: RuleRepository
  readonly memberships: MembershipRepository
  readonly jobs: JobRepository
  readonly audit: AuditRepository
  readonly apiKeys: ApiKeyRepository
  readonly botStorage: BotStorageRepository
  /** Queues the work that brings chats in line with the rules; see {@link ReconcileRepository}. */
  readonly access: ReconcileRepository
  /** Read-only aggregates for the admin site (karma histogram, a member's ledger and chats). */
  readonly adminStats: AdminStatsRepository
  /** The MTProto worker's state (who, last seen, last error, pause) and its created-chats log. */
  readonly workerState: WorkerStateRepository
  /** The login canary's last result, written by the worker, read by `/healthz?deep=1`. */
  readonly canary: CanaryRepository
  /**
   * Moves WAL checkpoints to a thread of their own (see {@link startCheckpointer}); for the
   * long-running process that takes the most writes. Stop it before {@link close}.
   */
  checkpointInBackground(options: CheckpointerOptions): Checkpointer
  /** Resolves when the database answers a query; rejects otherwise. */
  ping(): Promise<void>
  /**
   * Commits the writes of one event-loop turn together (see {@link GroupCommit}); repositories
   * on hot write paths (logins, karma events) go through it.
   */
  readonly writes: GroupCommit
  /** Commits pending writes, then closes the connection; the store is unusable afterwards. */
  close(): void
}

/** Builds the repositories over an open, migrated database. */
export function createStore(db: SqliteDatabase, clock: () => number = Date.now): Store {
  const members = new MemberRepository(db)
  const sessions = new SessionRepository(db)
  const writes = new GroupCommit(db)
  const logins = new LoginRepository(db, members, sessions, writes)
  const access = new ReconcileRepository(db)
  const jobs = new JobRepository(db)
  const audit = new AuditRepository(db)
  const ping = db.prepare('SELECT 1')
  return {
    members,
    sessions,
    logins,
    karma: new KarmaRepository(db, access, writes, clock),
    groups: new GroupRepository(db),
    chats: new ChatRepository(db),
    rules: new RuleRepository(db),
    memberships: new MembershipRepository(db, jobs, audit),
    jobs,
    audit,
    apiKeys: new ApiKeyRepository(db),
    botStorage: new BotStorageRepository(db),
    access,
    adminStats: new AdminStatsRepository(db),
    workerState: new WorkerStateRepository(db),
    canary: new CanaryRepository(db),
    writes,
    checkpointInBackground: (options) => startCheckpointer(db, options),
    ping: async () => {
      ping.get()
    },
    close: () => {
      if (!db.open) return
      writes.flush()
      db.close()
    },
  }
}

/** Opens the database at `path`, applies pending migrations and builds the store. */
export function openStore(path: string, clock?: () => number): { store: Store; migrations: MigrationReport } {
  const db = openDatabase(path)
  try {
    const migrations = migrate(db)
    return { store: createStore(db, clock), migrations }
  } catch (error) {
    db.close()
    throw error
  }
}

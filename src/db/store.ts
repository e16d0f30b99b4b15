import type { Logger } from 'pino'
import type { AdminStatsRepository } from './admin-stats.js'
import type { ApiKeyRepository } from './api-keys.js'
import type { AuditRepository } from './audit.js'
import type { BotStorageRepository } from './bot-storage.js'
import type { CanaryRepository } from './canary.js'
import type { ChatRepository } from './chats.js'
import type { GroupRepository } from './groups.js'
import type { HoldRepository } from './holds.js'
import type { JobRepository } from './jobs.js'
import type { KarmaRepository } from './karma.js'
import type { LoginRepository } from './logins.js'
import type { MemberRepository } from './members.js'
import type { MembershipRepository } from './memberships.js'
import type { ReconcileRepository } from './reconcile.js'
import type { RuleRepository } from './rules.js'
import type { SessionRepository } from './sessions.js'
import { openSqliteStore } from './sqlite/store.js'
import type { WorkerStateRepository } from './worker-state.js'

/**
 * Every repository over one database: what the site, the bot and the worker store, and nothing
 * else. Every time a repository takes or gives is ms since the epoch (`src/time.ts`), whatever
 * the engine stores (the rules live in `src/access`, `src/karma`, `src/jobs`). Async throughout, so that an
 * engine that answers over the network fits behind the same interface. An operation that must be
 * atomic is one method here, and each engine runs it in one transaction.
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
  readonly reconcile: ReconcileRepository
  /** Read-only aggregates for the admin site (karma histogram, a member's ledger and chats). */
  readonly adminStats: AdminStatsRepository
  /** The MTProto worker's state (who, last seen, last error, pause) and its created-chats log. */
  readonly workerState: WorkerStateRepository
  /** The login canary's last result, written by the worker, read by `/healthz?deep=1`. */
  readonly canary: CanaryRepository
  /** Telegram's waits for the whole bot or account, shared by every process. */
  readonly holds: HoldRepository
  /**
   * Starts the engine's own upkeep for a long-running process that takes the most writes (SQLite:
   * WAL checkpoints in a thread of their own). Stop it before {@link close}.
   */
  startUpkeep(options: UpkeepOptions): Upkeep
  /** Resolves when the database answers a query; rejects otherwise. */
  ping(): Promise<void>
  /**
   * How long writes have been waiting for a lock another connection holds (ms; 0 when they go
   * through): reads go on meanwhile, writes give up with `StoreBusyError`.
   */
  writesBlockedFor(): number
  /** Commits pending writes, then closes the connection; the store is unusable afterwards. */
  close(): Promise<void>
}

/** Options of {@link Store.startUpkeep}. */
export interface UpkeepOptions {
  /** Where the upkeep reports trouble. */
  readonly logger: Logger
}

/** The engine's upkeep, running in the background. */
export interface Upkeep {
  /** Stops it; resolves once it has. */
  stop(): Promise<void>
}

/** What {@link openStore} opens. */
export interface StoreOptions {
  /** The SQLite file, created with its folder if needed. */
  readonly databasePath: string
  /** The clock events and rows are dated by (ms since the epoch). @default Date.now */
  readonly clock?: () => number
}

/** What {@link openStore} gives: the store, and the migrations it applied on the way. */
export interface OpenedStore {
  readonly store: Store
  readonly migrations: {
    /** File names of the migrations applied now, in order. */
    readonly applied: readonly string[]
  }
}

/** Opens the database, applies pending migrations and builds the store. */
export async function openStore(options: StoreOptions): Promise<OpenedStore> {
  return openSqliteStore(options.databasePath, options.clock)
}

/**
 * What the API benchmark's load generator (`api.ts`) and its server processes
 * (`api-servers.ts`) agree on: the targets, the seeded members, and the messages between them.
 */

/**
 * - `api-bare`: `express()`, `express.json()` and one `POST /api/v1/karma-events` handler
 *   answering `ok` (the baseline).
 * - `api-site`: the real site (`createApp`), with the REST API at `/api/v1`.
 */
export type ApiTarget = 'api-bare' | 'api-site'

export const API_TARGETS: readonly ApiTarget[] = ['api-bare', 'api-site']

export const API_PATH = '/api/v1/karma-events'
export const API_PUBLIC_URL = 'https://karmagate.example'

/** Seeded members have Telegram ids `TELEGRAM_ID_BASE + 1 ..= TELEGRAM_ID_BASE + members`. */
export const TELEGRAM_ID_BASE = 5_000_000_000
/** The seeded chat's rule: members at or above `min` are in the chat, below `removeBelow` out. */
export const RULE_MIN_KARMA = 100
export const RULE_REMOVE_BELOW = 50
/** Seeded karma of member i is `i % KARMA_SPREAD`, so some events cross the rule's thresholds. */
export const KARMA_SPREAD = 200

/** Parent → site: the API keys' secrets (the site creates them before listening). */
export interface KeysRequest {
  readonly type: 'api-keys'
}

export interface KeysReply {
  readonly type: 'api-keys-reply'
  readonly secrets: readonly string[]
}

/** Parent → site, after the runs: what the ledger holds. */
export interface LedgerRequest {
  readonly type: 'api-ledger'
}

export interface LedgerReport {
  readonly type: 'api-ledger-report'
  /** Rows in `karma_events`. */
  readonly events: number
  /** Sum of every event's delta. */
  readonly deltaSum: number
  /** Sum of `users.karma` now, minus the seeded sum: must equal {@link deltaSum}. */
  readonly karmaDrift: number
  /** Members whose cached karma differs from their seeded karma plus their ledger (must be 0). */
  readonly membersOff: number
  /** Members whose chain of events (migration 009) is not exactly their events, newest first. */
  readonly chainsOff: number
  /** Jobs queued by reconciles (threshold crossings): invites and removals. */
  readonly invites: number
  readonly removals: number
  /** The site's group commit so far: transactions, and the writes (requests' ledger calls) in them. */
  readonly commits: number
  readonly writes: number
}

const hasType = (message: unknown, type: string): boolean =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type

export const isKeysRequest = (message: unknown): message is KeysRequest => hasType(message, 'api-keys')
export const isKeysReply = (message: unknown): message is KeysReply => hasType(message, 'api-keys-reply')
export const isLedgerRequest = (message: unknown): message is LedgerRequest => hasType(message, 'api-ledger')
export const isLedgerReport = (message: unknown): message is LedgerReport => hasType(message, 'api-ledger-report')

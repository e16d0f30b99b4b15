import type { KarmaAppendResult, ValidKarmaEvent } from '../karma/events.js'

/**
 * The karma ledger's storage. A batch's events are appended and `users.karma` moved in one
 * transaction (a write of a group commit, all or nothing), so the cached karma always equals the
 * sum of the ledger; members whose karma crossed a rule's line are reconciled in that same
 * transaction, so no change can be lost between them. The rules of appending are
 * `src/karma/plan.ts`'s; this reads what they need and writes what they decide.
 *
 * A batch is set-based: one query for the idempotency keys already used, one per kind of member
 * reference, the events through one prepared statement with their ids given (each names the
 * member's previous event, see `event-chain.ts`, so no index on `user_id` is written), one
 * update per member.
 */
export interface KarmaRepository {
  /**
   * Appends one event (or replays its key); throws `KarmaError`. Committed with the other writes
   * of the same moment ({@link GroupCommit}); resolves once durable.
   */
  append(event: ValidKarmaEvent): Promise<KarmaAppendResult>

  /**
   * Appends events all or nothing, in order; a refused one throws `KarmaError` with its `index`.
   * Committed as {@link append} is: batches sent together share one commit.
   */
  appendBatch(events: readonly ValidKarmaEvent[]): Promise<KarmaAppendResult[]>

  /** The sum of a member's ledger, for checking the cached karma against it. */
  ledgerSum(memberId: number): Promise<number>
}

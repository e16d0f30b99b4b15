/** Which members and chats a reconcile looks at. */
export type ReconcileScope =
  | { readonly kind: 'all' }
  | { readonly kind: 'members'; readonly memberIds: readonly number[] }
  | { readonly kind: 'chat'; readonly chatId: number }

/** What a reconcile queued or changed. */
export interface ReconcileReport {
  /** Chats a rule needs that the worker must create first. */
  readonly chatsToCreate: number
  /** Members newly eligible: an invite job each. */
  readonly invitesQueued: number
  /** Members in a chat who fell below `remove_below`: a remove job each. */
  readonly removalsQueued: number
  /** Eligible or invited members no longer eligible, dropped without Telegram work. */
  readonly withdrawn: number
}

/** Options of {@link ReconcileRepository}. */
export interface ReconcileOptions {
  /** Attempts before a job is dead. @default 8 */
  readonly maxAttempts?: number
}

/**
 * The reconcile that turns "who should be where" (the rules, by `src/access/eligibility.ts`)
 * into work: set-based over the whole scope at once, never a loop over members, so a rule change
 * over a million members is a few statements.
 */
export interface ReconcileRepository {
  /**
   * Compares who should be in each chat with who is, for the members or chat in `scope`, and
   * queues the work in one transaction: `chat.create` for chats a rule needs, `member.invite` for
   * the newly eligible, `member.remove` for members no rule keeps; eligible or invited members
   * no longer eligible are dropped. Idempotent: a second run queues nothing new.
   */
  run(scope: ReconcileScope, nowMs: number): Promise<ReconcileReport>
}

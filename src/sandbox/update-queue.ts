import type { Update } from 'grammy/types'

/** The kinds of update the emulator produces. */
export type UpdateKind =
  'message' | 'edited_message' | 'callback_query' | 'chat_join_request' | 'chat_member' | 'my_chat_member'

/** Update kinds Telegram leaves out unless `allowed_updates` names them. */
const OPT_IN: ReadonlySet<string> = new Set(['chat_member', 'message_reaction', 'message_reaction_count'])

/** An update as produced: its id and one payload under its kind. */
export type QueuedUpdate = Update & { readonly update_id: number }

/**
 * The bot's pending updates, in order, as Telegram keeps them for `getUpdates` or a webhook.
 * `allowed_updates` filters at creation time, as Telegram's does ("doesn't affect updates
 * created before the call").
 */
export class UpdateQueue {
  readonly #pending: QueuedUpdate[] = []
  readonly #listeners = new Set<() => void>()
  #nextId: number
  #allowed: readonly string[] = []

  /** @param firstUpdateId the id of the first update. */
  constructor(firstUpdateId: number) {
    this.#nextId = firstUpdateId
  }

  /** The current `allowed_updates`; empty means Telegram's default (all but the opt-in kinds). */
  get allowedUpdates(): readonly string[] {
    return this.#allowed
  }

  set allowedUpdates(kinds: readonly string[]) {
    this.#allowed = [...kinds]
  }

  /** Whether an update of `kind` would be kept under the current `allowed_updates`. */
  allows(kind: UpdateKind): boolean {
    return this.#allowed.length === 0 ? !OPT_IN.has(kind) : this.#allowed.includes(kind)
  }

  /** Queues an update of `kind` unless filtered out; returns it, or undefined if dropped. */
  push(kind: UpdateKind, payload: unknown): QueuedUpdate | undefined {
    if (!this.allows(kind)) return undefined
    const update = { update_id: this.#nextId++, [kind]: payload } as QueuedUpdate
    this.#pending.push(update)
    for (const listener of [...this.#listeners]) listener()
    return update
  }

  /** Calls `listener` after each queued update; returns the unsubscribe function. */
  onPush(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** How many updates wait for delivery. */
  get size(): number {
    return this.#pending.length
  }

  /** The oldest pending update. */
  peek(): QueuedUpdate | undefined {
    return this.#pending[0]
  }

  /** Forgets the oldest pending update if it is `update` (it was delivered). */
  delivered(update: QueuedUpdate): void {
    if (this.#pending[0] === update) this.#pending.shift()
  }

  /**
   * Applies `getUpdates`' `offset`: a positive offset confirms every update with a smaller
   * id; a negative one keeps only the last `-offset` updates; 0 confirms nothing.
   */
  confirm(offset: number): void {
    if (offset > 0) {
      while (this.#pending.length > 0 && (this.#pending[0]?.update_id ?? 0) < offset) this.#pending.shift()
    } else if (offset < 0) {
      const keep = -offset
      if (this.#pending.length > keep) this.#pending.splice(0, this.#pending.length - keep)
    }
  }

  /** Up to `limit` of the oldest pending updates, without removing them. */
  take(limit: number): QueuedUpdate[] {
    return this.#pending.slice(0, limit)
  }

  /** Drops every pending update (`drop_pending_updates`). */
  clear(): void {
    this.#pending.length = 0
  }
}

import type { Eligibility } from '../access/eligibility.js'
import type { Membership, MembershipState } from '../access/membership.js'
import type { NewAuditEntry } from '../audit.js'
import type { NewJob } from '../jobs/kinds.js'

/** A chat a member may join, with its link, for `/chats` and `/me`. */
export interface OpenChat {
  readonly chatId: number
  readonly title: string
  readonly inviteLink: string | null
  readonly state: MembershipState
}

/** Memberships, and the per-member eligibility check behind join requests and chat members. */
export interface MembershipRepository {
  get(memberId: number, chatId: number): Promise<Membership | undefined>

  /** Sets a member's state in a chat, with why. */
  set(memberId: number, chatId: number, state: MembershipState, reason: string, now: number): Promise<void>

  /**
   * Marks a member `invited` with `reason` and queues `job` (the worker's direct add) in one
   * transaction, so a crash cannot leave an invited member whose add was never queued.
   */
  inviteAndQueue(memberId: number, chatId: number, reason: string, job: NewJob, nowMs: number): Promise<void>

  /**
   * For a chat whose rule has just turned direct add on: queues the worker's `member.add` for every
   * member already invited there with only the link ({@link LINK_ON_SITE_REASON}: the bot may not
   * write to them, and no add was tried), whom a direct-add rule lets in, and marks them
   * {@link DIRECT_ADD_QUEUED_REASON}; one set-based transaction. A member Telegram refused before
   * has another reason and is not asked again. Resolves to the number of jobs queued.
   */
  queueDirectAdds(chatId: number, nowMs: number): Promise<number>

  /**
   * The worker's account added the member to the chat: `member` with {@link ADDED_BY_ACCOUNT_REASON},
   * and `audit` written, together. Idempotent; a member whom a `chat_member` update already
   * recorded as an unapproved arrival gets the real reason. Resolves whether it changed.
   */
  recordAddedByAccount(memberId: number, chatId: number, audit: NewAuditEntry, now: number): Promise<boolean>

  /**
   * Telegram refused the account's add: the member stays `invited` (the link on the site and in
   * `/chats` is their way in), `reason` says why, and `audit` is written, together.
   */
  recordAddRefused(
    memberId: number,
    chatId: number,
    reason: string,
    audit: NewAuditEntry,
    now: number,
  ): Promise<boolean>

  /** What the chat's rules say about this member now. */
  eligibility(memberId: number, chatId: number): Promise<Eligibility>

  /** The active chats a member may join or is in. */
  openChats(memberId: number): Promise<OpenChat[]>

  /** Member counts per chat and state, for the admin dashboard. */
  countsByChat(): Promise<{ chatId: number; state: MembershipState; count: number }[]>
}

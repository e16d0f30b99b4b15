import type { Chat } from '../db/chats.js'
import type { Member } from '../db/members.js'
import type { Eligibility } from '../access/eligibility.js'
import type { Membership } from '../access/membership.js'
import type { Store } from '../db/store.js'
import { PermanentJobError } from './errors.js'
import { memberChatPayload } from './kinds.js'

/** A member, a chat, the membership between them and what the rules say now, for a job. */
export interface MemberChatState {
  readonly member: Member
  readonly chat: Chat
  readonly membership: Membership | undefined
  readonly eligibility: Eligibility
  /** The current time, by the deps' clock. */
  readonly now: number
}

/** What {@link loadMemberChat} reads with. */
export interface MemberChatDeps {
  readonly store: Store
  /** @default Date.now */
  readonly clock?: () => number
}

/**
 * Reads everything a member job (the bot's invite and remove, the worker's direct add) decides
 * on, fresh: the job may have waited since it was queued,
 * and karma or rules may have moved. A member or chat that no longer exists is permanent.
 */
export async function loadMemberChat(deps: MemberChatDeps, payload: unknown): Promise<MemberChatState> {
  const { memberId, chatId } = memberChatPayload(payload)
  const [member, chat, membership, eligibility] = await Promise.all([
    deps.store.members.findById(memberId),
    deps.store.chats.findById(chatId),
    deps.store.memberships.get(memberId, chatId),
    deps.store.memberships.eligibility(memberId, chatId),
  ])
  if (!member || !chat)
    throw new PermanentJobError(`member ${String(memberId)} or chat ${String(chatId)} does not exist`)
  return { member, chat, membership, eligibility, now: (deps.clock ?? Date.now)() }
}

import type { Logger } from 'pino'
import type { Store } from '../../db/store.js'
import { loadMemberChat } from '../../jobs/member-chat.js'
import { auditEntry } from '../../audit.js'
import { PermanentJobError } from '../../jobs/errors.js'
import { ADD_REFUSALS, refusedAddReason } from '../add-refusals.js'
import type { TelegramAccount } from '../port.js'

/** What {@link memberAddJob} needs. */
export interface MemberAddDeps {
  readonly store: Store
  readonly account: TelegramAccount
  readonly logger: Logger
  /** @default Date.now */
  readonly clock?: () => number
}

/** The audit log's actor for what the worker's account did. */
const ACTOR = 'worker'

/**
 * `member.add` (owner `worker`): the bot could not DM an eligible member and their rule asks for
 * direct add, so the account adds them to the chat (`channels.inviteToChannel`). Everything is
 * read again first: a member who is in already, no longer invited, no longer eligible, or whose
 * rule no longer asks for it is left as they are (the link stays on the site). Added: `member`,
 * audited. Refused for a reason of the member's (privacy settings …): still `invited`, the
 * reason says "link on the site (…)", audited, and the job is done: no retry. `FLOOD_WAIT_X`,
 * `PEER_FLOOD` and the like are thrown, for the worker's limits around this handler.
 */
export async function memberAddJob(deps: MemberAddDeps, payload: unknown): Promise<void> {
  const { member, chat, membership, eligibility } = await loadMemberChat(deps, payload)
  const memberId = member.id
  const chatId = chat.id
  const skip =
    membership?.state !== 'invited'
      ? `membership is ${membership?.state ?? 'absent'}`
      : !eligibility.eligible
        ? 'no longer eligible'
        : !eligibility.directAdd
          ? 'the rule no longer asks for direct add'
          : undefined
  const telegramUserId = member.telegramId
  if (skip !== undefined || telegramUserId === null) {
    deps.logger.info({ memberId, chatId, why: skip ?? 'no Telegram id' }, 'direct add skipped')
    return
  }
  if (chat.telegramChatId === null)
    throw new PermanentJobError(`chat ${String(chatId)} has not been created in Telegram`)

  const outcome = await deps.account.addMember({
    telegramChatId: chat.telegramChatId,
    telegramUserId,
    username: member.username,
  })
  const now = (deps.clock ?? Date.now)()
  if (outcome.added) {
    await deps.store.memberships.recordAddedByAccount(
      memberId,
      chatId,
      auditEntry(now, ACTOR, { action: 'member.add', memberId, chatId, alreadyMember: outcome.alreadyMember }),
      now,
    )
    deps.logger.info({ memberId, chatId, alreadyMember: outcome.alreadyMember }, 'member added by the account')
    return
  }
  const reason = refusedAddReason(outcome.refusal)
  await deps.store.memberships.recordAddRefused(
    memberId,
    chatId,
    reason,
    auditEntry(now, ACTOR, { action: 'member.add_refused', memberId, chatId, reason, refusal: outcome.refusal }),
    now,
  )
  deps.logger.info(
    { memberId, chatId, refusal: outcome.refusal, why: ADD_REFUSALS[outcome.refusal] },
    'direct add refused; the link stays on the site',
  )
}

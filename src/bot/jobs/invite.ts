import { GrammyError, InlineKeyboard } from 'grammy'
import { ensureInviteLink } from './chat-link.js'
import { loadMemberChat } from '../../jobs/member-chat.js'
import type { BotJobDeps } from './context.js'
import { permanentIfBadRequest, telegramRefused } from './retry-after.js'
import type { JobContext } from '../../jobs/runner.js'
import { DIRECT_ADD_QUEUED_REASON, LINK_ON_SITE_REASON, NO_LONGER_ELIGIBLE_REASON } from '../../access/membership.js'
import { jobs } from '../../jobs/kinds.js'

/**
 * `member.invite`: a member became eligible. Checked again first (karma may have moved since it
 * was queued); then the bot DMs them a button with the chat's join-request link and the
 * membership becomes `invited`. A member the bot may not write to still gets `invited`: the
 * same button is on `/me` and in `/chats`; if a rule of theirs asks for direct add, the worker's
 * account is also asked to add them (a `member.add` job, queued with the membership change).
 * Idempotent: an invited member is not messaged twice.
 */
export async function inviteJob(deps: BotJobDeps, payload: unknown, context: JobContext): Promise<void> {
  const { member, chat, membership, eligibility, now } = await loadMemberChat(deps, payload)
  const memberId = member.id
  const chatId = chat.id
  if (membership?.state !== 'eligible') return
  if (!eligibility.eligible) {
    await deps.store.memberships.set(memberId, chatId, 'removed', NO_LONGER_ELIGIBLE_REASON, now)
    return
  }
  const link = await ensureInviteLink(deps, chat)
  let messaged = false
  if (member.canDm && member.telegramId !== null) {
    const telegramId = member.telegramId
    try {
      await context.deliver(
        () =>
          deps.api.sendMessage(
            telegramId,
            `Your karma (${String(member.karma)}) opens the private chat “${chat.title}”. Tap to ask to join; I will let you in.`,
            { reply_markup: new InlineKeyboard().url(`Join ${chat.title}`, link) },
          ),
        telegramRefused,
      )
      messaged = true
    } catch (err) {
      // The member blocked the bot (now recorded as such): the link waits on the site instead.
      if (!(err instanceof GrammyError && err.error_code === 403)) permanentIfBadRequest(err)
    }
  }
  let reason = messaged ? 'invited by message' : LINK_ON_SITE_REASON
  if (!messaged && eligibility.directAdd && member.telegramId !== null) {
    // The link stays on the site whatever the account manages; the add is on top of it.
    reason = DIRECT_ADD_QUEUED_REASON
    await deps.store.memberships.inviteAndQueue(
      memberId,
      chatId,
      reason,
      jobs.memberAdd(memberId, chatId),
      (deps.clock ?? Date.now)(),
    )
  } else {
    await deps.store.memberships.set(memberId, chatId, 'invited', reason, now)
  }
  deps.logger.info({ memberId, chatId, reason }, 'member invited')
}

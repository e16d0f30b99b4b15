import { GrammyError, InlineKeyboard } from 'grammy'
import { ensureInviteLink } from './chat-link.js'
import { type BotJobDeps, loadMemberChat } from './context.js'
import { permanentIfBadRequest } from './retry-after.js'

/**
 * `member.invite`: a member became eligible. Checked again first (karma may have moved since it
 * was queued); then the bot DMs them a button with the chat's join-request link and the
 * membership becomes `invited`. A member the bot may not write to still gets `invited`: the
 * same button is on `/me` and in `/chats`. Idempotent: an invited member is not messaged twice.
 */
export async function inviteJob(deps: BotJobDeps, payload: unknown): Promise<void> {
  const { member, chat, membership, eligibility, now } = await loadMemberChat(deps, payload)
  const memberId = member.id
  const chatId = chat.id
  if (membership?.state !== 'eligible') return
  if (!eligibility.eligible) {
    await deps.store.memberships.set(memberId, chatId, 'removed', 'no longer eligible', now)
    return
  }
  const link = await ensureInviteLink(deps, chat)
  let reason = 'invited by message'
  if (member.canDm && member.telegramId !== null) {
    try {
      await deps.api.sendMessage(
        member.telegramId,
        `Your karma (${String(member.karma)}) opens the private chat “${chat.title}”. Tap to ask to join; I will let you in.`,
        { reply_markup: new InlineKeyboard().url(`Join ${chat.title}`, link) },
      )
    } catch (err) {
      // The member blocked the bot (now recorded as such): the link waits on the site instead.
      if (!(err instanceof GrammyError && err.error_code === 403)) permanentIfBadRequest(err)
      reason = 'link on the site (the bot may not write to them)'
    }
  } else {
    reason = 'link on the site (the bot may not write to them)'
  }
  await deps.store.memberships.set(memberId, chatId, 'invited', reason, now)
  deps.logger.info({ memberId, chatId, reason }, 'member invited')
}

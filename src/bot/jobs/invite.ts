import { GrammyError, InlineKeyboard } from 'grammy'
import { PermanentJobError } from '../../jobs/runner.js'
import { ensureInviteLink } from './chat-link.js'
import { type BotJobDeps, memberChatPayload } from './context.js'
import { permanentIfBadRequest } from './retry-after.js'

/**
 * `member.invite`: a member became eligible. Checked again first (karma may have moved since it
 * was queued); then the bot DMs them a button with the chat's join-request link and the
 * membership becomes `invited`. A member the bot may not write to still gets `invited`: the
 * same button is on `/me` and in `/chats`. Idempotent: an invited member is not messaged twice.
 */
export async function inviteJob(deps: BotJobDeps, payload: unknown): Promise<void> {
  const { memberId, chatId } = memberChatPayload(payload)
  const now = Math.floor((deps.clock ?? Date.now)() / 1000)
  const [member, chat, membership, eligibility] = await Promise.all([
    deps.store.members.findById(memberId),
    deps.store.chats.findById(chatId),
    deps.store.memberships.get(memberId, chatId),
    deps.store.memberships.eligibility(memberId, chatId),
  ])
  if (!member || !chat) throw new PermanentJobError(`member ${String(memberId)} or chat ${String(chatId)} does not exist`)
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

import { GrammyError } from 'grammy'
import { UNAPPROVED_JOIN_REASON } from '../../db/memberships.js'
import { PermanentJobError } from '../../jobs/runner.js'
import { type BotJobDeps, memberChatPayload } from './context.js'
import { permanentIfBadRequest } from './retry-after.js'

/**
 * `member.remove`: a member fell below `remove_below`, left the rule's group, or got in without
 * the bot. Checked again first; then a kick that lets them come back later: ban (no
 * `until_date`: Telegram treats a ban under 30 s, or one close to that edge, as permanent) then
 * unban with `only_if_banned`. They get a message that says why, and an audit row is written.
 */
export async function removeJob(deps: BotJobDeps, payload: unknown): Promise<void> {
  const { memberId, chatId } = memberChatPayload(payload)
  const now = Math.floor((deps.clock ?? Date.now)() / 1000)
  const [member, chat, membership, eligibility] = await Promise.all([
    deps.store.members.findById(memberId),
    deps.store.chats.findById(chatId),
    deps.store.memberships.get(memberId, chatId),
    deps.store.memberships.eligibility(memberId, chatId),
  ])
  if (!member || !chat) throw new PermanentJobError(`member ${String(memberId)} or chat ${String(chatId)} does not exist`)
  if (membership?.state !== 'member') return
  if (!eligibility.managed) return
  // A member the bot let in may stay down to remove_below; one who arrived on their own must be eligible.
  const allowed = membership.reason === UNAPPROVED_JOIN_REASON ? eligibility.eligible : eligibility.keep || eligibility.eligible
  if (allowed) return
  if (member.telegramId === null || chat.telegramChatId === null) throw new PermanentJobError('member or chat has no Telegram id')

  await deps.api.banChatMember(chat.telegramChatId, member.telegramId).catch(permanentIfBadRequest)
  await deps.api.unbanChatMember(chat.telegramChatId, member.telegramId, { only_if_banned: true }).catch(permanentIfBadRequest)
  const reason =
    eligibility.minKarma === null
      ? 'no rule of this chat covers you any more'
      : `your karma (${String(eligibility.karma)}) fell below what the chat requires`
  await deps.store.memberships.set(memberId, chatId, 'removed', reason, now)
  await deps.store.audit.record({
    at: now,
    actor: 'bot',
    action: 'member.remove',
    subject: `member:${String(memberId)}`,
    details: { chatId, chat: chat.title, karma: eligibility.karma, reason },
  })
  if (member.canDm) {
    await deps.api
      .sendMessage(member.telegramId, `You were removed from “${chat.title}”: ${reason}. Earn karma to be invited again.`)
      .catch((err: unknown) => {
        // Best effort: the removal itself is done and must not be repeated because a DM failed.
        if (!(err instanceof GrammyError)) throw err
        deps.logger.info({ memberId, description: err.description }, 'removal notice not delivered')
      })
  }
  deps.logger.info({ memberId, chatId, reason }, 'member removed')
}

import { mayStay } from '../../access/eligibility.js'
import { UNAPPROVED_JOIN_REASON } from '../../access/membership.js'
import { auditEntry } from '../../audit.js'
import { PermanentJobError } from '../../jobs/errors.js'
import { jobs } from '../../jobs/kinds.js'
import { loadMemberChat } from '../../jobs/member-chat.js'
import type { BotJobDeps } from './context.js'
import { permanentIfBadRequest } from './retry-after.js'

/**
 * `member.remove`: a member fell below `remove_below`, left the rule's group, or got in without
 * the bot. Checked again first; then a kick that lets them come back later: ban (no
 * `until_date`: Telegram treats a ban under 30 s, or one close to that edge, as permanent) then
 * unban with `only_if_banned`. They get a message that says why (a `member.notify` job of its
 * own), and an audit row is written.
 */
export async function removeJob(deps: BotJobDeps, payload: unknown): Promise<void> {
  const { member, chat, membership, eligibility, now } = await loadMemberChat(deps, payload)
  const memberId = member.id
  const chatId = chat.id
  if (membership?.state !== 'member') return
  if (mayStay(eligibility, membership.reason !== UNAPPROVED_JOIN_REASON)) return
  if (member.telegramId === null || chat.telegramChatId === null)
    throw new PermanentJobError('member or chat has no Telegram id')

  await deps.api.banChatMember(chat.telegramChatId, member.telegramId).catch(permanentIfBadRequest)
  await deps.api
    .unbanChatMember(chat.telegramChatId, member.telegramId, { only_if_banned: true })
    .catch(permanentIfBadRequest)
  const reason =
    eligibility.minKarma === null
      ? 'no rule of this chat covers you any more'
      : `your karma (${String(eligibility.karma)}) fell below what the chat requires`
  await deps.store.memberships.set(memberId, chatId, 'removed', reason, now)
  await deps.store.audit.record(
    auditEntry(now, 'bot', {
      action: 'member.remove',
      memberId,
      chatId,
      chatTitle: chat.title,
      karma: eligibility.karma,
      reason,
    }),
  )
  if (member.canDm) {
    await deps.store.jobs.enqueue(
      jobs.memberNotify({
        memberId,
        telegramId: member.telegramId,
        text: `You were removed from “${chat.title}”: ${reason}. Earn karma to be invited again.`,
        topic: ['removed', memberId, chatId, now],
      }),
      (deps.clock ?? Date.now)(),
    )
  }
  deps.logger.info({ memberId, chatId, reason }, 'member removed')
}

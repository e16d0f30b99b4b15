import { Composer } from 'grammy'
import type { ChatMember } from 'grammy/types'
import { mayStay } from '../../access/eligibility.js'
import { UNAPPROVED_JOIN_REASON } from '../../access/membership.js'
import { jobs } from '../../jobs/kinds.js'
import { type BotContext, type BotDeps, nowOf } from '../context.js'
import { contactOf } from './contact.js'

const INSIDE = new Set<ChatMember['status']>(['member', 'restricted', 'administrator', 'creator'])

/**
 * `chat_member` in a managed chat: joins and leaves are tracked; someone who got in without the
 * bot's approval (a leaked link, a manual add) and is not eligible is removed through the job
 * queue. Administrators and the owner are never touched.
 */
export function chatMembersFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>()
  composer.on('chat_member', async (ctx) => {
    const update = ctx.chatMember
    const user = update.new_chat_member.user
    if (user.is_bot) return
    const chat = await deps.store.chats.findByTelegramId(update.chat.id)
    if (!chat) return
    const now = nowOf(deps)
    const memberId = await deps.store.members.recordSeen(contactOf(user), now)
    const status = update.new_chat_member.status
    if (!INSIDE.has(status)) {
      const membership = await deps.store.memberships.get(memberId, chat.id)
      if (membership && membership.state !== 'removed') {
        await deps.store.memberships.set(
          memberId,
          chat.id,
          'removed',
          status === 'kicked' ? 'banned in the chat' : 'left the chat',
          now,
        )
      }
      return
    }
    if (status === 'administrator' || status === 'creator') return
    // Someone the bot approved (or already in) needs only to stay above remove_below; a new
    // arrival the bot did not let in must meet min_karma, like a join request would.
    const wasMember = (await deps.store.memberships.get(memberId, chat.id))?.state === 'member'
    if (!wasMember) await deps.store.memberships.set(memberId, chat.id, 'member', UNAPPROVED_JOIN_REASON, now)
    const eligibility = await deps.store.memberships.eligibility(memberId, chat.id)
    if (!mayStay(eligibility, wasMember)) {
      // In without qualifying: out again, durably (a crash here must not forget it).
      await deps.store.jobs.enqueue(jobs.memberRemove(memberId, chat.id), (deps.clock ?? Date.now)())
      deps.logger.warn({ memberId, chatId: chat.id }, 'member joined without qualifying; removal queued')
    }
  })
  return composer
}

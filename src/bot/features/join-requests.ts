import { Composer } from 'grammy'
import { type BotContext, type BotDeps, nowOf } from '../context.js'
import { contactOf } from './contact.js'

/**
 * `chat_join_request` in a chat karmagate manages: approved when the member's rule holds,
 * declined otherwise with a message that says why (Telegram lets a bot write to someone who
 * asked to join). The shared join-request link is harmless because of this check.
 */
export function joinRequestsFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>()
  composer.on('chat_join_request', async (ctx) => {
    const request = ctx.chatJoinRequest
    const chat = await deps.store.chats.findByTelegramId(request.chat.id)
    if (!chat) return // Not ours: leave it to the chat's admins.
    const now = nowOf(deps)
    const memberId = await deps.store.members.recordSeen(contactOf(request.from), now)
    const eligibility = await deps.store.memberships.eligibility(memberId, chat.id)
    if (eligibility.eligible) {
      await ctx.approveChatJoinRequest(request.from.id)
      await deps.store.memberships.set(memberId, chat.id, 'member', 'join request approved', now)
      deps.logger.info({ memberId, chatId: chat.id }, 'join request approved')
      return
    }
    await ctx.declineChatJoinRequest(request.from.id)
    const why =
      eligibility.minKarma === null
        ? `“${chat.title}” is for members of a group you are not in.`
        : `“${chat.title}” needs ${String(eligibility.minKarma)} karma; you have ${String(eligibility.karma)}.`
    deps.logger.info({ memberId, chatId: chat.id }, 'join request declined')
    await ctx.api
      .sendMessage(
        request.user_chat_id,
        `I could not let you in: ${why} Log in to the site to see your karma: ${deps.config.publicUrl}/me`,
      )
      .catch((err: unknown) => {
        deps.logger.info({ memberId, err }, 'decline notice not delivered')
      })
  })
  return composer
}

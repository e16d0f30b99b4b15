import { Composer } from 'grammy'
import { type BotContext, type BotDeps, nowOf } from '../context.js'

/**
 * `my_chat_member`: what the bot may do in a managed chat. Losing its admin rights (or the chat)
 * is recorded and shown to admins, because invites and removals there stop working.
 */
export function botStatusFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>()
  composer.on('my_chat_member', async (ctx) => {
    const update = ctx.myChatMember
    const chat = await deps.store.chats.findByTelegramId(update.chat.id)
    if (!chat) return
    const me = update.new_chat_member
    const admin = me.status === 'administrator'
    const status = {
      status: me.status,
      canInvite: me.status === 'creator' || (admin && me.can_invite_users),
      canRestrict: me.status === 'creator' || (admin && me.can_restrict_members),
    }
    await deps.store.chats.setBotStatus(chat.id, status, nowOf(deps))
    const level = status.canInvite && status.canRestrict ? 'info' : 'warn'
    deps.logger[level]({ chatId: chat.id, ...status }, 'bot rights in chat changed')
  })
  return composer
}

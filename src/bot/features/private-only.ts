import type { MiddlewareFn } from 'grammy'
import type { BotContext } from '../context.js'

/**
 * Lets a command through only in a private chat; in a group it points the member to a private
 * chat instead, so karma and invite links are never posted where others read them.
 */
export const privateOnly: MiddlewareFn<BotContext> = async (ctx, next) => {
  if (ctx.chat?.type === 'private') {
    await next()
    return
  }
  await ctx.reply(`Ask me in a private chat: https://t.me/${ctx.me.username}`)
}

import { Composer } from 'grammy'
import type { BotContext, BotDeps } from '../context.js'
import { privateOnly } from './private-only.js'

/** `/chats`: the private chats the member may join. */
export function chatsFeature(_deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>()
  composer.command('chats', privateOnly, async (ctx) => {
    // Rules and chats arrive with the karma rules; until an admin sets one there is nothing to join.
    await ctx.reply('There are no private chats to join yet.')
  })
  return composer
}

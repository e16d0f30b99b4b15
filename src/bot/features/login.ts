import { Composer } from 'grammy'
import type { BotContext, BotDeps } from '../context.js'
import { loginKeyboard } from '../login-button.js'

/** `/login`: the login button, in private chats and in groups alike. */
export function loginFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>()
  composer.command('login', async (ctx) => {
    await ctx.reply('Tap to log in to the site with your Telegram account:', {
      reply_markup: loginKeyboard({ publicUrl: deps.config.publicUrl, botUsername: ctx.me.username }),
      // In a group, answer the member who asked rather than posting into the void.
      ...(ctx.chat.type === 'private'
        ? {}
        : { reply_parameters: { message_id: ctx.msg.message_id, allow_sending_without_reply: true } }),
    })
  })
  return composer
}

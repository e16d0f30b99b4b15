import { Composer } from 'grammy'
import { type BotContext, type BotDeps, nowOf } from '../context.js'
import { loginKeyboard } from '../login-button.js'

/** `/start`: welcome, a login button, and (in private) permission for the bot to write again. */
export function startFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>()
  composer.command('start', async (ctx) => {
    const from = ctx.from
    if (ctx.chat.type === 'private' && from) {
      // Writing to the bot lifts a block learned from an earlier 403.
      await deps.store.members.recordBotContact(
        {
          telegramId: from.id,
          firstName: from.first_name,
          lastName: from.last_name ?? null,
          username: from.username ?? null,
        },
        nowOf(deps),
      )
    }
    await ctx.reply(
      'Welcome! I let members of the community into its private Telegram chats once their karma ' +
        'is high enough. Log in to the site to link your Telegram account:',
      { reply_markup: loginKeyboard({ publicUrl: deps.config.publicUrl, botUsername: ctx.me.username }) },
    )
  })
  return composer
}

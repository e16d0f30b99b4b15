import { Composer } from 'grammy'
import type { BotContext, BotDeps } from '../context.js'
import { loginKeyboard } from '../login-button.js'
import { privateOnly } from './private-only.js'

/** `/me`: the member's karma (and, once they exist, groups), in private only. */
export function meFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>()
  composer.command('me', privateOnly, async (ctx) => {
    const member = ctx.from && (await deps.store.members.findByTelegramId(ctx.from.id))
    if (!member || member.lastLoginAt === null) {
      await ctx.reply('You have not logged in to the site yet. Log in to see your karma:', {
        reply_markup: loginKeyboard({ publicUrl: deps.config.publicUrl, botUsername: ctx.me.username }),
      })
      return
    }
    await ctx.reply(`Your karma: ${String(member.karma)}\nProfile: ${deps.config.publicUrl}/me`)
  })
  return composer
}

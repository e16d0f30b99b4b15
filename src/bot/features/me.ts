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
    const groups = await deps.store.groups.ofMember(member.id)
    const chats = await deps.store.memberships.openChats(member.id)
    const lines = [`Your karma: ${String(member.karma)}`]
    if (groups.length > 0) lines.push(`Groups: ${groups.map((g) => g.name).join(', ')}`)
    if (chats.length > 0) lines.push(`Private chats open to you: ${String(chats.length)} (see /chats)`)
    lines.push(`Profile: ${deps.config.publicUrl}/me`)
    await ctx.reply(lines.join('\n'))
  })
  return composer
}

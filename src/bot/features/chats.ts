import { Composer, InlineKeyboard } from 'grammy'
import type { BotContext, BotDeps } from '../context.js'
import { loginKeyboard } from '../login-button.js'
import { privateOnly } from './private-only.js'

/** `/chats`: the private chats the member may join, each with its join button, and the ones they are in. */
export function chatsFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>()
  composer.command('chats', privateOnly, async (ctx) => {
    const member = ctx.from && (await deps.store.members.findByTelegramId(ctx.from.id))
    if (!member) {
      await ctx.reply('Log in to the site first, so I know your karma:', {
        reply_markup: loginKeyboard({ publicUrl: deps.config.publicUrl, botUsername: ctx.me.username }),
      })
      return
    }
    const chats = await deps.store.memberships.openChats(member.id)
    if (chats.length === 0) {
      await ctx.reply(`No private chat is open to you yet. Your karma: ${String(member.karma)}.`)
      return
    }
    const keyboard = new InlineKeyboard()
    const lines: string[] = []
    for (const chat of chats) {
      if (chat.state === 'member') {
        lines.push(`• ${chat.title}: you are in`)
      } else if (chat.inviteLink) {
        lines.push(`• ${chat.title}: open to you`)
        keyboard.url(`Join ${chat.title}`, chat.inviteLink).row()
      } else {
        lines.push(`• ${chat.title}: open to you (its link is on its way)`)
      }
    }
    await ctx.reply(`Your private chats:\n${lines.join('\n')}`, { reply_markup: keyboard })
  })
  return composer
}

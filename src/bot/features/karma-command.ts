import { Composer } from 'grammy'
import { appendKarmaEvent } from '../../karma/append.js'
import { KarmaError } from '../../karma/events.js'
import type { BotContext, BotDeps } from '../context.js'
import { adminOnly } from './admin-only.js'

const KARMA_ARGS = /^(?:(@[A-Za-z][A-Za-z0-9_]{3,31}|\d{1,16})\s+)?([+-]\d{1,7})\s+(\S[\s\S]{0,499})$/

/**
 * `/karma @user +10 reason` (or a Telegram id, or in reply to the member's message): an admin
 * adjusts karma from Telegram. The idempotency key is the command message itself, so an update
 * Telegram delivers twice changes karma once.
 */
export function karmaCommandFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>()
  composer.command('karma', adminOnly(deps), async (ctx) => {
    const match = KARMA_ARGS.exec(ctx.match.trim())
    if (!match) {
      await ctx.reply(
        "Usage: /karma @username +10 reason (or a Telegram id instead of @username, or reply to the member's message).",
      )
      return
    }
    const [, target, delta, reason] = match
    let telegramId: number | undefined
    if (target?.startsWith('@')) {
      telegramId = (await deps.store.members.findByUsername(target.slice(1)))?.telegramId ?? undefined
    } else if (target !== undefined) {
      telegramId = Number(target)
    } else {
      telegramId = ctx.msg.reply_to_message?.from?.id
    }
    if (telegramId === undefined) {
      await ctx.reply(
        `I do not know ${target ?? 'whom you mean'}: they must have logged in to the site or written to me.`,
      )
      return
    }
    try {
      const result = await appendKarmaEvent(
        deps.store,
        { source: 'bot', actor: `admin:${String(ctx.from?.id ?? 0)}` },
        {
          member: { telegramId },
          delta: Number(delta),
          reason: reason ?? '',
          idempotencyKey: `bot:${String(ctx.chat.id)}:${String(ctx.msg.message_id)}`,
        },
      )
      await ctx.reply(`Karma ${delta ?? ''} for ${target ?? 'the member'}: now ${String(result.member.karma)}.`)
    } catch (err) {
      if (!(err instanceof KarmaError)) throw err
      await ctx.reply(err.code === 'member_not_found' ? `I do not know ${target ?? 'that member'} yet.` : err.message)
    }
  })
  return composer
}

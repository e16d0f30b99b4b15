import { Composer } from 'grammy'
import { BOT_COMMANDS } from '../commands.js'
import type { BotContext, BotDeps } from '../context.js'

const HELP_TEXT = [
  'I connect your Telegram account with the community site and let you into its private chats once your karma is high enough.',
  '',
  ...BOT_COMMANDS.map((c) => `/${c.command} — ${c.description}`),
].join('\n')

/** `/help`, and the same text for anything else written to the bot in private. */
export function helpFeature(_deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>()
  composer.command('help', (ctx) => ctx.reply(HELP_TEXT))
  composer.chatType('private').on('message', (ctx) => ctx.reply(HELP_TEXT))
  return composer
}

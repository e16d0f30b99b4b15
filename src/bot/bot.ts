import { autoRetry } from '@grammyjs/auto-retry'
import { sequentialize } from '@grammyjs/runner'
import { Bot } from 'grammy'
import type { UserFromGetMe } from 'grammy/types'
import type { BotContext, BotDeps } from './context.js'
import { logBotError } from './errors.js'
import { chatsFeature } from './features/chats.js'
import { helpFeature } from './features/help.js'
import { loginFeature } from './features/login.js'
import { meFeature } from './features/me.js'
import { startFeature } from './features/start.js'
import { markBlockedMembers } from './mark-blocked.js'

/** Options of {@link createBot} beyond its dependencies. */
export interface CreateBotOptions {
  /** Who the bot is, when already known (skips `getMe` in `bot.init()`). */
  readonly botInfo?: UserFromGetMe
  /**
   * Longest `retry_after` (seconds) the bot waits out before giving up on a call; longer waits
   * belong to the durable job queue, not to a handler. @default 30
   */
  readonly maxRetryDelaySeconds?: number
}

/**
 * Builds karmagate's grammY bot (not started). Every call goes to `TELEGRAM_API_ROOT`
 * (Telegram, a self-hosted Bot API server, or the emulator), waits out `retry_after`, and a 403
 * marks the member as not reachable. Features sit behind one error boundary.
 *
 * Webhook replies are allowed for `sendMessage` and `answerCallbackQuery`: the first such call of
 * an update rides on the webhook's HTTP response instead of a request of its own, so a handler
 * must not rely on the result of its first `sendMessage` (it is `true` in webhook mode).
 */
export function createBot(deps: BotDeps, options: CreateBotOptions = {}): Bot<BotContext> {
  const bot = new Bot<BotContext>(deps.config.botToken, {
    ...(options.botInfo ? { botInfo: options.botInfo } : {}),
    client: {
      apiRoot: deps.config.telegramApiRoot,
      canUseWebhookReply: (method) => method === 'sendMessage' || method === 'answerCallbackQuery',
    },
  })
  bot.api.config.use(markBlockedMembers(deps.store, deps.logger, deps.clock))
  // Only Telegram's own "retry after" is waited out here. A network failure is thrown at once:
  // the start-up loop, the polling runner and (later) the job queue each retry in their own way.
  bot.api.config.use(
    autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: options.maxRetryDelaySeconds ?? 30, rethrowHttpErrors: true }),
  )

  // One chat's updates in order (conversations rely on it), different chats in parallel, both
  // under the polling runner and with concurrent webhook requests.
  bot.use(sequentialize((ctx: BotContext) => ctx.chat?.id.toString()))
  const features = bot.errorBoundary(logBotError(deps.logger))
  features.use(startFeature(deps), loginFeature(deps), meFeature(deps), chatsFeature(deps), helpFeature(deps))
  // Errors outside the boundary (none expected) still must not crash a polling loop.
  bot.catch(logBotError(deps.logger))
  return bot
}

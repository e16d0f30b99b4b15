import { type RunnerHandle, run } from '@grammyjs/runner'
import type { Bot } from 'grammy'
import type { Logger } from 'pino'
import { ALLOWED_UPDATES, BOT_COMMANDS } from './commands.js'
import type { BotContext } from './context.js'

/** How {@link startBot} receives updates. */
export type BotDelivery =
  { readonly mode: 'webhook'; readonly url: string; readonly secretToken: string } | { readonly mode: 'polling' }

/** A started bot. */
export interface RunningBot {
  readonly mode: BotDelivery['mode']
  /** Stops taking updates and waits for the ones in flight (polling); webhooks drain with the server. */
  stop(): Promise<void>
}

/**
 * Sets `bot.botInfo` from one `getMe` unless it is known. Unlike `bot.init()`, which retries
 * network errors by itself without end, a failure is thrown so the caller can log it and retry
 * on its own schedule.
 */
export async function identifyBot(bot: Bot<BotContext>): Promise<void> {
  if (!bot.isInited()) bot.botInfo = await bot.api.getMe()
}

/**
 * Initializes the bot (`getMe`), publishes its commands, and starts receiving updates: a
 * webhook registered with its secret and `allowed_updates`, or long polling with
 * `@grammyjs/runner` after removing any webhook (Telegram refuses `getUpdates` while one is set).
 * Stopping waits up to `drainTimeoutMs` (default 10 s) for updates already being handled.
 */
export async function startBot(
  bot: Bot<BotContext>,
  delivery: BotDelivery,
  logger: Logger,
  drainTimeoutMs = 10_000,
): Promise<RunningBot> {
  await identifyBot(bot)
  await bot.api.setMyCommands([...BOT_COMMANDS])
  if (delivery.mode === 'webhook') {
    await bot.api.setWebhook(delivery.url, {
      secret_token: delivery.secretToken,
      allowed_updates: [...ALLOWED_UPDATES],
    })
    logger.info({ url: delivery.url, botUsername: bot.botInfo.username }, 'bot webhook registered')
    return { mode: 'webhook', stop: () => Promise.resolve() }
  }
  await bot.api.deleteWebhook()
  // The runner would print fetch errors with console.error, and their text holds the request
  // URL, which holds the token. It stays silent; failures are logged here, through the logger
  // that scrubs secrets, before the runner retries them with backoff.
  bot.api.config.use(async (prev, method, payload, signal) => {
    try {
      return await prev(method, payload, signal)
    } catch (err) {
      if (method === 'getUpdates' && !signal?.aborted) logger.warn({ err }, 'fetching updates failed; retrying')
      throw err
    }
  })
  const handle: RunnerHandle = run(bot, { runner: { fetch: { allowed_updates: [...ALLOWED_UPDATES] }, silent: true } })
  logger.info({ botUsername: bot.botInfo.username }, 'bot polling started')
  return {
    mode: 'polling',
    stop: async () => {
      if (handle.isRunning()) await handle.stop()
      // The runner stops fetching but does not wait for its concurrent sink; updates already
      // handed to middleware are waited for here, within reason.
      const deadline = Date.now() + drainTimeoutMs
      while (handle.size() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
      if (handle.size() > 0) logger.warn({ inFlight: handle.size() }, 'bot stopped with updates still running')
    },
  }
}

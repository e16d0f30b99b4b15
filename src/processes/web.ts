import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Bot } from 'grammy'
import type { Logger } from 'pino'
import { botApiLimits } from '../bot/api-gate.js'
import { createBot, createJobsApi } from '../bot/bot.js'
import type { BotContext } from '../bot/context.js'
import { identifyBot, type RunningBot, startBot } from '../bot/lifecycle.js'
import { botJobHandlers, botRetryAfter } from '../bot/jobs/index.js'
import { webhookRoutes } from '../bot/webhook.js'
import { startReconcileSweep } from '../access/sweep.js'
import { JobRunner } from '../jobs/runner.js'
import { EmulatedAccount } from '../sandbox/account.js'
import { memberAddJob } from '../worker/jobs/member-add.js'
import { chatCreateJob } from '../worker/jobs/chat-create.js'
import type { Config } from '../config.js'
import { openStore, type Store } from '../db/store.js'
import { TelegramEmulator } from '../sandbox/emulator.js'
import { createApp } from '../web/app.js'
import { securityHeaderList } from '../web/security-headers.js'

/** The running web process: site, bot, and in the sandbox the Telegram emulator. */
export interface WebProcess {
  /** `http://127.0.0.1:PORT`, where this process listens. */
  readonly localUrl: string
  readonly port: number
  /** The bot's username, from the config or `getMe`. */
  readonly botUsername: string
  readonly store: Store
  readonly bot: Bot<BotContext>
  /** Present only in the sandbox (no `BOT_TOKEN`, not production). */
  readonly emulator: TelegramEmulator | undefined
  /** Runs the bot's durable jobs (invites, removals, join links). */
  readonly botJobs: JobRunner
  /** In the sandbox only: the emulated account's jobs (creating chats), run in this process. */
  readonly workerJobs: JobRunner | undefined
  /** Resolves once the bot takes updates (it retries in the background until Telegram answers). */
  readonly botStarted: Promise<RunningBot>
  /** Stops taking requests and updates, lets in-flight ones finish, closes the database. */
  stop(): Promise<void>
}

/** Raised when the bot's username is not configured and Telegram cannot tell it either. */
export class BotIdentityError extends Error {
  override readonly name = 'BotIdentityError'
}

/** Options of {@link startWebProcess}. */
export interface WebProcessOptions {
  /** Interface to listen on. @default all interfaces */
  readonly host?: string
  /** First and longest wait between attempts to start the bot, in ms. @default [1000, 60000] */
  readonly botRetryDelayMs?: readonly [number, number]
}

/**
 * Starts the web process: migrations, the HTTP server, the site, and the bot in the mode the
 * config asks for. Without a bot token (outside production) the bot talks to a Telegram
 * emulator mounted in this same process under `/sandbox`.
 *
 * If Telegram cannot be reached at start, the site serves anyway and the bot keeps retrying
 * with backoff: logging in through the widget does not need the bot to be up.
 */
export async function startWebProcess(
  config: Config,
  logger: Logger,
  options: WebProcessOptions = {},
): Promise<WebProcess> {
  const { store, migrations } = await openStore({ databasePath: config.databasePath })
  if (migrations.applied.length > 0) logger.info({ applied: migrations.applied }, 'migrations applied')

  const server: Server = createServer()
  try {
    server.listen(config.port, options.host)
    await once(server, 'listening')
  } catch (err) {
    await store.close()
    throw err
  }
  const { port } = server.address() as AddressInfo
  const localUrl = `http://127.0.0.1:${String(port)}`

  const sandbox = config.botTokenGenerated
  const telegramApiRoot = sandbox ? `${localUrl}/sandbox/api` : config.telegramApiRoot
  const emulator = sandbox
    ? new TelegramEmulator({
        botToken: config.botToken,
        botUsername: config.botUsername ?? 'karmagate_sandbox_bot',
        loginDomain: new URL(config.publicUrl).hostname,
        logger,
      })
    : undefined
  // One view of Telegram's limits for the bot and its jobs in this process (and, through the
  // store, every process).
  const limits = botApiLimits(store.holds, logger)
  const bot = createBot({ config: { ...config, telegramApiRoot }, store, logger, limits })

  let botUsername = config.botUsername
  if (botUsername === undefined) {
    try {
      await identifyBot(bot)
      botUsername = bot.botInfo.username
    } catch (err) {
      server.close()
      await store.close()
      throw new BotIdentityError(
        `BOT_USERNAME is not set and getMe failed (${(err as Error).message}); set BOT_USERNAME or check BOT_TOKEN and TELEGRAM_API_ROOT`,
        { cause: err },
      )
    }
  }

  // Started once nothing above can fail: stop() is the one place that ends it.
  const checkpointer = store.startUpkeep({ logger })
  const webhookSecret = config.webhookSecret
  const app = createApp({
    config,
    botUsername,
    store,
    logger,
    ...(config.botMode === 'webhook' && webhookSecret !== undefined
      ? {
          webhook: webhookRoutes(bot, {
            secretToken: webhookSecret,
            logger,
            refusalHeaders: securityHeaderList({ https: config.secureCookies }),
          }),
        }
      : {}),
    ...(emulator ? { sandbox: { botApi: emulator.botApiRouter(), app: emulator.appRouter() } } : {}),
  })
  server.on('request', app)

  // Mutable on purpose: stop() flips it and wakes the retry sleep.
  const lifecycle: { stopping: boolean; running?: RunningBot; wake?: () => void } = { stopping: false }
  const isStopping = () => lifecycle.stopping
  const [firstDelay, maxDelay] = options.botRetryDelayMs ?? [1000, 60_000]
  const delivery =
    config.botMode === 'webhook' && webhookSecret !== undefined
      ? { mode: 'webhook' as const, url: `${config.publicUrl}/telegram/webhook`, secretToken: webhookSecret }
      : { mode: 'polling' as const }
  const botStarted = (async (): Promise<RunningBot> => {
    for (let attempt = 0, delay = firstDelay; ; attempt++, delay = Math.min(delay * 2, maxDelay)) {
      try {
        const running = await startBot(bot, delivery, logger)
        lifecycle.running = running
        if (isStopping()) await running.stop()
        return running
      } catch (err) {
        if (isStopping()) throw new Error('stopped before the bot started', { cause: err })
        logger.error({ err, attempt, retryInMs: delay }, 'bot could not start; retrying')
        await new Promise<void>((resolve) => {
          lifecycle.wake = resolve
          setTimeout(resolve, delay).unref()
        })
        if (isStopping()) throw new Error('stopped before the bot started', { cause: err })
      }
    }
  })()
  botStarted.catch(() => undefined)

  const botJobs = new JobRunner({
    owner: 'bot',
    jobs: store.jobs,
    handlers: botJobHandlers({
      api: createJobsApi({
        config: { botToken: config.botToken, telegramApiRoot, botApiTimeoutSeconds: config.botApiTimeoutSeconds },
        store,
        logger,
        limits,
      }),
      store,
      logger,
      publicUrl: config.publicUrl,
    }),
    logger,
    retryAfterOf: botRetryAfter,
    holdUntil: () => limits.hold.until(),
    perSecond: config.botMessagesPerSecond,
  })
  botJobs.start()
  // The real worker is its own process with an MTProto account; the sandbox emulates one here.
  const workerJobs = emulator
    ? new JobRunner({
        owner: 'worker',
        jobs: store.jobs,
        handlers: {
          'chat.create': (job) =>
            chatCreateJob({ store, account: new EmulatedAccount(emulator), botUsername, logger }, job.payload),
          'member.add': (job) => memberAddJob({ store, account: new EmulatedAccount(emulator), logger }, job.payload),
        },
        logger,
      })
    : undefined
  workerJobs?.start()
  const stopSweep = startReconcileSweep(store, logger, config.reconcileIntervalSeconds, () => {
    botJobs.poke()
    workerJobs?.poke()
  })

  return {
    localUrl,
    port,
    botUsername,
    store,
    bot,
    emulator,
    botJobs,
    workerJobs,
    botStarted,
    stop: async () => {
      lifecycle.stopping = true
      lifecycle.wake?.()
      // A start still under way finishes (and stops itself) first, within reason.
      await Promise.race([
        botStarted.catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, 5000).unref()),
      ])
      await lifecycle.running?.stop()
      stopSweep()
      await Promise.all([botJobs.stop(), workerJobs?.stop()])
      emulator?.close()
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve()
        })
        server.closeIdleConnections()
        // A client holding a connection open must not keep a PaaS restart waiting forever.
        setTimeout(() => {
          server.closeAllConnections()
        }, 10_000).unref()
      })
      await checkpointer.stop()
      await store.close()
    },
  }
}

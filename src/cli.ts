#!/usr/bin/env node
import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { config as loadDotenv } from 'dotenv'
import type { Logger } from 'pino'
import { fetchBotUsername } from './bot/bot-username.js'
import { type Config, ConfigError, loadConfig } from './config.js'
import { migrate } from './db/migrate.js'
import { openDatabase } from './db/open.js'
import { openStore, type Store } from './db/store.js'
import { createLogger } from './log.js'
import { signedLoginQuery } from './login/sign.js'
import { createApp } from './web/app.js'

const USAGE = `Usage: karmagate <command>

Commands:
  web       run the site (applies pending migrations first)
  migrate   apply pending migrations and exit (for a release phase)
  help      show this text

Configuration comes from the environment and .env; see .env.example.`

/** Exit codes: 2 for a configuration or usage problem, 1 for anything else that failed. */
const EXIT_USAGE = 2
const EXIT_FAILURE = 1

/** Periodic clean-up of sessions and used login hashes that have expired. */
function startPurging(store: Store, logger: Logger, everyMs = 10 * 60_000): NodeJS.Timeout {
  const purge = async () => {
    const now = Math.floor(Date.now() / 1000)
    const sessions = await store.sessions.purgeExpired(now)
    const logins = await store.logins.purgeExpired(now)
    if (sessions + logins > 0) logger.debug({ sessions, logins }, 'purged expired rows')
  }
  const timer = setInterval(() => {
    purge().catch((err: unknown) => {
      logger.error({ err }, 'purge failed')
    })
  }, everyMs)
  timer.unref()
  void purge().catch((err: unknown) => {
    logger.error({ err }, 'purge failed')
  })
  return timer
}

/** A login URL for a demo member, signed with the development token: a way in without Telegram. */
function developmentLoginUrl(config: Config): string {
  const fields = {
    id: '100001',
    first_name: 'Demo',
    last_name: 'Member',
    username: 'demo_member',
    auth_date: String(Math.floor(Date.now() / 1000)),
  }
  return `${config.publicUrl}/auth/telegram?${signedLoginQuery(config.botToken, fields)}`
}

async function runWeb(config: Config, logger: Logger): Promise<void> {
  const { store, migrations } = openStore(config.databasePath)
  if (migrations.applied.length > 0) logger.info({ applied: migrations.applied }, 'migrations applied')

  let botUsername = config.botUsername
  if (botUsername === undefined) {
    try {
      botUsername = await fetchBotUsername(config.botToken, config.telegramApiRoot)
    } catch (err) {
      store.close()
      throw new Error(
        `BOT_USERNAME is not set and getMe failed (${(err as Error).message}); set BOT_USERNAME or check BOT_TOKEN and TELEGRAM_API_ROOT`,
        { cause: err },
      )
    }
  }

  const app = createApp({ config, botUsername, store, logger })
  const server: Server = app.listen(config.port)
  await once(server, 'listening')
  const purgeTimer = startPurging(store, logger)
  const { port } = server.address() as AddressInfo
  logger.info({ port, publicUrl: config.publicUrl, botUsername }, 'web process listening')

  if (config.botTokenGenerated || config.sessionSecretGenerated) {
    const lines = ['', `karmagate is running at ${config.publicUrl}`]
    if (config.botTokenGenerated) {
      lines.push(
        'No BOT_TOKEN is set, so the site runs on a random development token: Telegram cannot sign',
        'logins for it. To look around, log in as a demo member (this link works once, for',
        `${String(config.loginMaxAgeSeconds)} seconds; restart for a new one):`,
        `  ${developmentLoginUrl(config)}`,
      )
    }
    if (config.sessionSecretGenerated) lines.push('No SESSION_SECRET is set: sessions end when the process restarts.')
    lines.push('See README.md to connect a real bot.', '')
    process.stdout.write(lines.join('\n') + '\n')
  }

  const stop = (signal: string) => {
    logger.info({ signal }, 'stopping')
    clearInterval(purgeTimer)
    server.close(() => {
      store.close()
      logger.info('stopped')
      process.exit(0)
    })
    server.closeIdleConnections()
    // A client holding a connection open must not keep a PaaS restart waiting forever.
    setTimeout(() => {
      server.closeAllConnections()
    }, 10_000).unref()
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}

function runMigrate(config: Config, logger: Logger): void {
  const db = openDatabase(config.databasePath)
  try {
    const report = migrate(db)
    logger.info({ applied: report.applied, alreadyApplied: report.alreadyApplied }, 'migrations done')
  } finally {
    db.close()
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const command = argv[0] ?? 'help'
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE + '\n')
    return 0
  }
  if (command !== 'web' && command !== 'migrate') {
    process.stderr.write(`Unknown command: ${command}\n\n${USAGE}\n`)
    return EXIT_USAGE
  }
  loadDotenv({ quiet: true })
  let config: Config
  try {
    config = loadConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee .env.example for every variable.\n`)
      return EXIT_USAGE
    }
    throw err
  }
  const logger = createLogger(config)
  try {
    if (command === 'migrate') runMigrate(config, logger)
    else await runWeb(config, logger)
    return 0
  } catch (err) {
    logger.fatal({ err }, `${command} failed`)
    return EXIT_FAILURE
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code)
  },
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`)
    process.exit(EXIT_FAILURE)
  },
)

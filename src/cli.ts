#!/usr/bin/env node
import { config as loadDotenv } from 'dotenv'
import type { Logger } from 'pino'
import { auditEntry } from './audit.js'
import { textProblem } from './text.js'
import { type Config, ConfigError, loadConfig } from './config.js'
import { migrate } from './db/sqlite/migrate.js'
import { openDatabase } from './db/sqlite/open.js'
import { openStore, type Store } from './db/store.js'
import { createLogger } from './log.js'
import { catchShutdownSignals } from './processes/shutdown.js'
import { startWebProcess } from './processes/web.js'
import { runWorker } from './processes/worker-command.js'
import { processIo } from './worker/cli/io.js'
import { isWorkerCommand, runWorkerCommand } from './worker/cli/run.js'

const USAGE = `Usage: karmagate <command>

Commands:
  web       run the site (applies pending migrations first)
  migrate   apply pending migrations and exit (for a release phase)
  api-key:create NAME
            create a REST API key named NAME and print it, once (for scripts and first setup)
  worker    run the MTProto worker (creates chats); needs TG_API_ID, TG_API_HASH and a login
  worker:login [--phone [+NUMBER]]
            log the worker's Telegram account in by QR code (once; the session is kept), or with
            --phone by a code Telegram sends (exit 6 2FA password, 8 number invalid, 9 code wrong,
            10 code expired, 11 number banned, 12 too many attempts, 13 no such account)
  worker:accept-login "tg://login?token=…"
            authorize another device with the worker's account (exit 3 invalid, 4 expired,
            5 already accepted)
  worker:url-auth --peer @bot --msg-id N [--button-id M] [--accept [--allow-write]]
            press a login button as the worker's account and show Telegram's answer
  help      show this text

Configuration comes from the environment and .env; see .env.example.`

/** Exit codes: 2 for a configuration or usage problem, 1 for anything else that failed. */
const EXIT_USAGE = 2
const EXIT_FAILURE = 1

/** Periodic clean-up of sessions and used login hashes that have expired. */
function startPurging(store: Store, logger: Logger, everyMs = 10 * 60_000): NodeJS.Timeout {
  const purge = async () => {
    const now = Date.now()
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

async function runWeb(config: Config, logger: Logger): Promise<void> {
  const signals = catchShutdownSignals(logger)
  const web = await startWebProcess(config, logger)
  const purgeTimer = startPurging(web.store, logger)
  logger.info(
    { port: web.port, publicUrl: config.publicUrl, botUsername: web.botUsername, botMode: config.botMode },
    'web process listening',
  )

  if (web.emulator) {
    process.stdout.write(
      [
        '',
        `karmagate is running in the SANDBOX at ${config.publicUrl}`,
        'No BOT_TOKEN is set, so the bot talks to a built-in Telegram emulator instead of Telegram.',
        `Play the Telegram app at ${config.publicUrl}/sandbox : create a member, send /start to the bot,`,
        'tap its login button and you are logged in to the site. Set BOT_TOKEN (see README.md) for a real bot.',
        '',
      ].join('\n') + '\n',
    )
  }
  if (config.sessionSecretGenerated) logger.warn('SESSION_SECRET is not set: sessions end when the process restarts')

  signals.ready(async () => {
    clearInterval(purgeTimer)
    await web.stop()
  })
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

/** Longest API key name, as the table allows. */
const MAX_API_KEY_NAME_LENGTH = 100

/** Why `api-key:create`'s arguments are unusable, or undefined when NAME is fine. */
function apiKeyNameProblem(args: readonly string[]): string | undefined {
  const [name, ...rest] = args
  if (name === undefined || rest.length > 0)
    return 'Usage: karmagate api-key:create NAME (one argument; quote a name with spaces)'
  if (
    name.trim() !== name ||
    name.length === 0 ||
    name.length > MAX_API_KEY_NAME_LENGTH ||
    textProblem(name) !== undefined
  ) {
    return `The API key's NAME must be 1 to ${String(MAX_API_KEY_NAME_LENGTH)} characters, without surrounding spaces or control characters.`
  }
  return undefined
}

/** Creates an API key; prints the key alone on stdout (so `KEY=$(…)` works) and a note on stderr. */
async function runApiKeyCreate(config: Config, name: string): Promise<void> {
  const { store } = await openStore({ databasePath: config.databasePath })
  try {
    const now = Date.now()
    const { key, secret } = await store.apiKeys.create(name, now)
    // Audited like a key made on the admin site, so every key has a line saying where it came from.
    await store.audit.record(
      auditEntry(now, 'cli', { action: 'api_key.create', apiKeyId: key.id, name: key.name, prefix: key.prefix }),
    )
    process.stdout.write(`${secret}\n`)
    process.stderr.write(
      `Created API key #${String(key.id)} "${key.name}". It is shown only this once: store it now, and send it as "Authorization: Bearer <key>".\n`,
    )
  } finally {
    await store.close()
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const command = argv[0] ?? 'help'
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE + '\n')
    return 0
  }
  if (command !== 'web' && command !== 'migrate' && command !== 'api-key:create' && !isWorkerCommand(command)) {
    process.stderr.write(`Unknown command: ${command}\n\n${USAGE}\n`)
    return EXIT_USAGE
  }
  const keyNameProblem = command === 'api-key:create' ? apiKeyNameProblem(argv.slice(1)) : undefined
  if (keyNameProblem !== undefined) {
    process.stderr.write(`${keyNameProblem}\n`)
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
    if (isWorkerCommand(command)) {
      return await runWorkerCommand(command, argv.slice(1), config, logger, processIo, (tg) =>
        runWorker(config, logger, tg, processIo),
      )
    }
    if (command === 'migrate') runMigrate(config, logger)
    else if (command === 'api-key:create') await runApiKeyCreate(config, argv[1] ?? '')
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

/**
 * The server side of `bench/webhook.ts`, run in a child process so that autocannon's load
 * generator does not share an event loop with the server it measures.
 *
 * Usage (by `webhook.ts`, via `child_process.fork`): `webhook-servers.ts <target>` (see
 * `WebhookTarget` in `common.ts`). Listens on an ephemeral port of 127.0.0.1 only, reports it
 * over IPC, answers `{ type: 'report' }` with what it saw besides HTTP (outgoing connections, the
 * members table), and on `{ type: 'stop' }` closes, removes its temp database and exits normally
 * so `--cpu-prof` can write its profile (see `child.ts`).
 *
 * The bot's Bot API root is `http://127.0.0.1:<a closed port>`: with webhook replies a `/start`
 * makes no outgoing call, and any call that is made anyway fails at once instead of reaching
 * Telegram. Every outgoing TCP connection of the process is counted (`net.client.socket`
 * diagnostics channel, which both Node's `fetch` and grammY's `node-fetch` go through).
 */
import { timingSafeEqual } from 'node:crypto'
import { subscribe } from 'node:diagnostics_channel'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import type { ClientRequest } from 'node:http'
import { createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import express, { type RequestHandler, Router } from 'express'
import type { UserFromGetMe } from 'grammy/types'
import { createBot } from '../src/bot/bot.js'
import { loginKeyboard } from '../src/bot/login-button.js'
import { webhookRoutes } from '../src/bot/webhook.js'
import { type Config, loadConfig } from '../src/config.js'
import { openSqliteStore, type SqliteStore } from '../src/db/sqlite/store.js'
import { createLogger } from '../src/log.js'
import { createApp } from '../src/web/app.js'
import { type Built, runServerChild } from './child.js'
import {
  BENCH_BOT_ID,
  BENCH_BOT_TOKEN,
  BENCH_BOT_USERNAME,
  BENCH_SESSION_SECRET,
  BENCH_WEBHOOK_PATH,
  BENCH_WEBHOOK_PUBLIC_URL,
  BENCH_WEBHOOK_SECRET,
  isReportRequest,
  WEBHOOK_TARGETS,
  type WebhookReport,
  type WebhookTarget,
} from './common.js'

// ---------------------------------------------------------------------------------------------
// Outgoing connections

/** Every TCP connection this process opens, and how many failed; HTTP requests by last path segment. */
const outgoing = { connections: 0, failures: 0, methods: new Map<string, number>() }

subscribe('net.client.socket', (message) => {
  outgoing.connections++
  ;(message as { socket: Socket }).socket.once('error', () => {
    outgoing.failures++
  })
})
subscribe('http.client.request.start', (message) => {
  // The path is `/bot<token>/<method>`: keep the method only, never the token.
  const path = (message as { request: ClientRequest }).request.path
  const method = path.slice(path.lastIndexOf('/') + 1).split('?')[0] ?? ''
  outgoing.methods.set(method, (outgoing.methods.get(method) ?? 0) + 1)
})

function resetOutgoing(): void {
  outgoing.connections = 0
  outgoing.failures = 0
  outgoing.methods.clear()
}

/** A port of 127.0.0.1 that nothing listens on (it was free a moment ago; the probe checks it). */
async function closedPort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  server.close()
  await once(server, 'close')
  return address.port
}

// ---------------------------------------------------------------------------------------------
// The reply, for the diagnostic targets

/** `/start`'s text in `src/bot/features/start.ts`, so the diagnostic replies have the real size. */
const START_TEXT =
  'Welcome! I let members of the community into its private Telegram chats once their karma ' +
  'is high enough. Log in to the site to link your Telegram account:'

/**
 * The webhook reply grammY writes for `/start` to chat `chatId`, built without grammY: the same
 * fields in the same order (`createJsonPayload({ ...payload, method })`).
 */
function replyTemplate(): (chatId: number) => string {
  const marker = 123_456_789_123
  const json = JSON.stringify({
    chat_id: marker,
    text: START_TEXT,
    reply_markup: loginKeyboard({ publicUrl: BENCH_WEBHOOK_PUBLIC_URL, botUsername: BENCH_BOT_USERNAME }),
    method: 'sendMessage',
  })
  const [head, tail] = json.split(String(marker)) as [string, string]
  return (chatId) => head + String(chatId) + tail
}

function chatIdOf(body: unknown): number | undefined {
  const id = (body as { message?: { chat?: { id?: unknown } } } | undefined)?.message?.chat?.id
  return typeof id === 'number' ? id : undefined
}

/** What `webhookRoutes` does before grammY: the secret check, then the JSON body. */
function secretCheck(): RequestHandler {
  const expected = Buffer.from(BENCH_WEBHOOK_SECRET)
  return (req, res, next) => {
    const received = req.get('x-telegram-bot-api-secret-token')
    const got = Buffer.from(received ?? '')
    if (received === undefined || got.length !== expected.length || !timingSafeEqual(got, expected)) {
      res.status(401).json({ error: { code: 'unauthorized', message: 'Wrong or missing secret token.' } })
      return
    }
    next()
  }
}

// ---------------------------------------------------------------------------------------------
// Targets

/** The baseline: Express 5, `express.json()`, one handler answering `ok`, nothing else. */
function buildBare(): Built {
  const app = express()
  app.use(express.json())
  app.post(BENCH_WEBHOOK_PATH, (_req, res) => {
    res.send('ok')
  })
  return { app, dispose: () => undefined }
}

/** Diagnostic: the baseline, answering the bot's reply (JSON, same size) instead of `ok`. */
function buildBareReply(): Built {
  const reply = replyTemplate()
  const app = express()
  app.use(express.json())
  app.post(BENCH_WEBHOOK_PATH, (req, res) => {
    res
      .status(200)
      .type('json')
      .send(reply(chatIdOf(req.body) ?? 0))
  })
  return { app, dispose: () => undefined }
}

/** The fixed identity of the benchmarked bot, so `createBot` needs no `getMe`. */
const BOT_INFO: UserFromGetMe = {
  id: BENCH_BOT_ID,
  is_bot: true,
  first_name: 'Karmagate Bench',
  username: BENCH_BOT_USERNAME,
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
}

/**
 * The production configuration of a webhook deployment, except what the benchmark must
 * neutralise: the Bot API root (a closed port of 127.0.0.1) and logging (silent).
 */
function benchConfig(databasePath: string, apiPort: number): Config {
  return loadConfig({
    NODE_ENV: 'production',
    BOT_TOKEN: BENCH_BOT_TOKEN,
    BOT_USERNAME: BENCH_BOT_USERNAME,
    BOT_MODE: 'webhook',
    WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET,
    PUBLIC_URL: BENCH_WEBHOOK_PUBLIC_URL,
    SESSION_SECRET: BENCH_SESSION_SECRET,
    DATABASE_PATH: databasePath,
    TELEGRAM_API_ROOT: `http://127.0.0.1:${apiPort}`,
    LOG_LEVEL: 'silent',
  })
}

/**
 * One deliberate Bot API call through the bot's own client (and its transformers): it must open
 * a connection to the closed port and fail. Depending on its options auto-retry may wait and try
 * again, so the call is aborted once the failure is seen. Proves both that the counters see the
 * bot's calls and that the port is closed.
 */
async function probe(bot: ReturnType<typeof createBot>): Promise<WebhookReport['probe']> {
  const controller = new AbortController()
  // grammY types its signal after the `abort-controller` package; Node's own works alike.
  const signal = controller.signal as unknown as Parameters<typeof bot.api.getMe>[0]
  const call = bot.api.getMe(signal).then(
    () => 'answered',
    () => 'failed',
  )
  const deadline = Date.now() + 5000
  while (outgoing.failures === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
  controller.abort()
  const outcome = await call
  const result = { connections: outgoing.connections, failures: outgoing.failures }
  if (outcome === 'answered' || result.failures === 0) {
    throw new Error(`the Bot API probe did not fail at the closed port (${outcome}, ${JSON.stringify(result)})`)
  }
  return result
}

interface SiteOptions {
  /** An in-memory database instead of a file (diagnostic). */
  readonly inMemory?: boolean
  /** A router answering the same reply instead of the bot (diagnostic). */
  readonly siteReply?: boolean
  /** What-if: the webhook on an Express app of its own, ahead of the whole site. */
  readonly mountFirst?: boolean
  /** What-if, with `mountFirst`: that app's `etag` setting off. */
  readonly noEtag?: boolean
}

/**
 * The real site in webhook mode: `createApp` with `webhookRoutes(createBot(...))`, over a fresh
 * SQLite file (production pragmas: WAL, `synchronous=NORMAL`), or the variants of
 * {@link SiteOptions}.
 */
async function buildSite(options: SiteOptions): Promise<Built> {
  const dir = mkdtempSync(join(tmpdir(), 'karmagate-bench-webhook-'))
  let store: SqliteStore | undefined
  try {
    const config = benchConfig(join(dir, 'karmagate.db'), await closedPort())
    const inMemory = options.inMemory === true
    store = openSqliteStore(inMemory ? ':memory:' : config.databasePath).store
    const logger = createLogger(config)
    let probed: WebhookReport['probe'] = { connections: 0, failures: 0 }
    let webhook: RequestHandler
    if (options.siteReply === true) {
      const reply = replyTemplate()
      const router = Router()
      webhook = router
      router.post(BENCH_WEBHOOK_PATH, secretCheck(), express.json({ limit: '1mb' }), (req, res) => {
        res
          .status(200)
          .type('json')
          .send(reply(chatIdOf(req.body) ?? 0))
      })
    } else {
      const bot = createBot({ config, store, logger }, { botInfo: BOT_INFO })
      probed = await probe(bot)
      webhook = webhookRoutes(bot, { secretToken: BENCH_WEBHOOK_SECRET, logger })
    }
    let app: Built['app']
    if (options.mountFirst === true) {
      // As `createApp` starts its app, then the webhook, then the whole site behind it.
      const first = express()
      first.disable('x-powered-by')
      first.set('trust proxy', config.trustProxy)
      if (options.noEtag === true) first.set('etag', false)
      first.use(webhook)
      first.use(createApp({ config, botUsername: BENCH_BOT_USERNAME, store, logger }))
      app = first
    } else {
      app = createApp({ config, botUsername: BENCH_BOT_USERNAME, store, logger, webhook })
    }
    resetOutgoing()

    const opened = store
    const databaseFile = inMemory || options.siteReply === true ? undefined : config.databasePath
    // As the web process runs it (src/processes/web.ts): WAL checkpoints in a thread of their own.
    const checkpointer = inMemory ? undefined : opened.startUpkeep({ logger })
    return {
      app,
      onMessage: (message, send) => {
        if (!isReportRequest(message)) return
        let members: number | null = null
        let membersCanDm: number | null = null
        if (databaseFile !== undefined) {
          // A second, read-only connection: the store does not expose its own.
          const db = new Database(databaseFile, { readonly: true })
          try {
            const row = db.prepare('SELECT count(*) AS n, coalesce(sum(can_dm), 0) AS dm FROM users').get() as {
              n: number
              dm: number
            }
            members = row.n
            membersCanDm = row.dm
          } finally {
            db.close()
          }
        }
        const report: WebhookReport = {
          type: 'webhook-report',
          outgoingConnections: outgoing.connections,
          outgoingFailures: outgoing.failures,
          outgoingMethods: Object.fromEntries(outgoing.methods),
          probe: probed,
          members,
          membersCanDm,
        }
        send(report)
      },
      dispose: async () => {
        await checkpointer?.stop()
        await opened.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await store?.close()
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}

/** For the bare targets: they open no connection and keep no members. */
function withEmptyReport(built: Built): Built {
  return {
    ...built,
    onMessage: (message, send) => {
      if (!isReportRequest(message)) return
      const report: WebhookReport = {
        type: 'webhook-report',
        outgoingConnections: outgoing.connections,
        outgoingFailures: outgoing.failures,
        outgoingMethods: Object.fromEntries(outgoing.methods),
        probe: { connections: 0, failures: 0 },
        members: null,
        membersCanDm: null,
      }
      send(report)
    },
  }
}

function build(target: WebhookTarget): Built | Promise<Built> {
  switch (target) {
    case 'webhook-bare':
      return withEmptyReport(buildBare())
    case 'webhook-bare-reply':
      return withEmptyReport(buildBareReply())
    case 'webhook-bot':
      return buildSite({})
    case 'webhook-bot-memory':
      return buildSite({ inMemory: true })
    case 'webhook-site-reply':
      return buildSite({ siteReply: true })
    case 'webhook-bot-first':
      return buildSite({ mountFirst: true })
    case 'webhook-bot-first-noetag':
      return buildSite({ mountFirst: true, noEtag: true })
  }
}

runServerChild('webhook-servers.ts', WEBHOOK_TARGETS, build)

/**
 * The server side of `bench/api.ts`, run in a child process so that autocannon does not share an
 * event loop with the server it measures (see `child.ts`).
 *
 * Usage (by `api.ts`, via `child_process.fork`): `api-servers.ts api-bare|api-site`.
 *
 * `api-site` is the real site, `createApp(...)` as `src/processes/web.ts` builds it, over a fresh
 * SQLite file (`openSqliteStore`, production pragmas, WAL checkpoints in a thread as the web process
 * runs them) in a temp folder removed afterwards. Before
 * listening it seeds BENCH_API_MEMBERS members with Telegram ids (karma `i % 200`), an active
 * chat with a rule (min 100, remove below 50) whose members are already in the chat, and
 * creates BENCH_API_KEYS API keys with `store.apiKeys.create`; the parent asks for their secrets
 * (`{type: 'api-keys'}`) and, after the runs, for what the ledger holds (`{type: 'api-ledger'}`).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import { loadConfig } from '../src/config.js'
import type { GroupCommitStats } from '../src/db/sqlite/group-commit.js'
import { migrate } from '../src/db/sqlite/migrate.js'
import { openDatabase, type SqliteDatabase } from '../src/db/sqlite/open.js'
import { openSqliteStore, type SqliteStore } from '../src/db/sqlite/store.js'
import { createLogger } from '../src/log.js'
import { createApp } from '../src/web/app.js'
import {
  API_PATH,
  API_PUBLIC_URL,
  API_TARGETS,
  type ApiTarget,
  isKeysRequest,
  isLedgerRequest,
  KARMA_SPREAD,
  type KeysReply,
  type LedgerReport,
  RULE_MIN_KARMA,
  RULE_REMOVE_BELOW,
  TELEGRAM_ID_BASE,
} from './api-common.js'
import { type Built, runServerChild } from './child.js'
import { BENCH_BOT_TOKEN, BENCH_BOT_USERNAME, BENCH_SESSION_SECRET, BENCH_WEBHOOK_SECRET } from './common.js'
import { intFromEnv } from './harness.js'

const MEMBERS = intFromEnv('BENCH_API_MEMBERS', 10_000, 1000, 1_000_000)
const KEYS = intFromEnv('BENCH_API_KEYS', 1000, 1, 10_000)

/** The baseline: Express 5, `express.json()` (the API's own 1 MiB limit) and one handler. */
function buildBare(): Built {
  const app = express()
  app.use(express.json({ limit: 1024 * 1024 }))
  app.post(API_PATH, (req, res) => {
    res.send(typeof req.body === 'object' && req.body !== null ? 'ok' : 'no body')
  })
  return { app, dispose: () => undefined }
}

/** Members, a chat and its rule, in one transaction of set-based SQL. */
function seed(db: SqliteDatabase): void {
  const now = Math.floor(Date.now() / 1000)
  db.transaction(() => {
    db.prepare(
      `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < @n)
       INSERT INTO users (id, telegram_id, first_name, karma, created_at, updated_at)
       SELECT i, @base + i, 'Member ' || i, i % @spread, @now, @now FROM seq`,
    ).run({ n: MEMBERS, base: TELEGRAM_ID_BASE, spread: KARMA_SPREAD, now })
    const chat = db
      .prepare<[{ now: number }], { id: number }>(
        `INSERT INTO chats (title, state, telegram_chat_id, invite_link, bot_status, bot_can_invite, bot_can_restrict, created_at, updated_at)
         VALUES ('Bench chat', 'active', -1009000000002, 'https://t.me/+bench', 'administrator', 1, 1, @now, @now) RETURNING id`,
      )
      .get({ now })!
    db.prepare(
      `INSERT INTO rules (group_id, chat_id, min_karma, remove_below, enabled, created_at, updated_at)
       VALUES (NULL, @chatId, @min, @below, 1, @now, @now)`,
    ).run({ chatId: chat.id, min: RULE_MIN_KARMA, below: RULE_REMOVE_BELOW, now })
    // The steady state a reconcile and the bot would have left: everyone above the rule is in.
    db.prepare(
      `INSERT INTO memberships (user_id, chat_id, state, reason, updated_at)
       SELECT id, @chatId, 'member', 'joined', @now FROM users WHERE karma >= @min`,
    ).run({ chatId: chat.id, min: RULE_MIN_KARMA, now })
  })()
}

function ledgerReport(db: SqliteDatabase, writes: GroupCommitStats): LedgerReport {
  const one = (sql: string): number => db.prepare<[], { n: number | null }>(sql).get()?.n ?? 0
  const seededSum = one(
    `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${MEMBERS}) SELECT sum(i % ${KARMA_SPREAD}) AS n FROM seq`,
  )
  return {
    type: 'api-ledger-report',
    events: one('SELECT count(*) AS n FROM karma_events'),
    deltaSum: one('SELECT sum(delta) AS n FROM karma_events'),
    karmaDrift: one('SELECT sum(karma) AS n FROM users') - seededSum,
    membersOff: one(
      `SELECT count(*) AS n FROM users u
       LEFT JOIN (SELECT user_id, sum(delta) AS total FROM karma_events GROUP BY user_id) e ON e.user_id = u.id
       WHERE u.karma <> u.id % ${KARMA_SPREAD} + coalesce(e.total, 0)`,
    ),
    // Each event points at the member's previous one, and each member at their latest.
    chainsOff:
      one(
        `SELECT count(DISTINCT user_id) AS n FROM (
           SELECT user_id, prev_id, lag(id) OVER (PARTITION BY user_id ORDER BY id) AS expected FROM karma_events)
         WHERE prev_id IS NOT expected`,
      ) +
      one(
        `SELECT count(*) AS n FROM users u
         LEFT JOIN (SELECT user_id, max(id) AS latest FROM karma_events GROUP BY user_id) e ON e.user_id = u.id
         WHERE u.last_event_id IS NOT e.latest`,
      ),
    invites: one(`SELECT count(*) AS n FROM jobs WHERE kind = 'member.invite'`),
    removals: one(`SELECT count(*) AS n FROM jobs WHERE kind = 'member.remove'`),
    commits: writes.commits,
    writes: writes.writes,
  }
}

/** The real site over a seeded SQLite file, with the API keys the parent will rotate through. */
async function buildSite(): Promise<Built> {
  const dir = mkdtempSync(join(tmpdir(), 'karmagate-bench-api-'))
  let store: SqliteStore | undefined
  let reader: SqliteDatabase | undefined
  try {
    const config = loadConfig({
      NODE_ENV: 'production',
      BOT_TOKEN: BENCH_BOT_TOKEN,
      BOT_USERNAME: BENCH_BOT_USERNAME,
      SESSION_SECRET: BENCH_SESSION_SECRET,
      DATABASE_PATH: join(dir, 'karmagate.db'),
      PUBLIC_URL: API_PUBLIC_URL,
      // An https site is a webhook deployment to the config; the webhook itself is not mounted here.
      WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET,
      LOG_LEVEL: 'silent',
    })
    const setup = openDatabase(config.databasePath)
    try {
      migrate(setup)
      seed(setup)
    } finally {
      setup.close()
    }
    const opened = openSqliteStore(config.databasePath).store
    store = opened
    reader = openDatabase(config.databasePath)
    const now = Math.floor(Date.now() / 1000)
    const secrets: string[] = []
    for (let k = 0; k < KEYS; k++) secrets.push((await opened.apiKeys.create(`bench-${String(k)}`, now)).secret)
    const logger = createLogger(config)
    const app = createApp({ config, botUsername: config.botUsername ?? BENCH_BOT_USERNAME, store: opened, logger })
    // As the web process runs it (src/processes/web.ts): checkpoints off the event loop.
    const checkpointer = opened.startUpkeep({ logger })
    const db = reader
    return {
      app,
      dispose: async () => {
        await checkpointer.stop()
        db.close()
        await opened.close()
        rmSync(dir, { recursive: true, force: true })
      },
      onMessage: (message, send) => {
        if (isKeysRequest(message)) {
          const reply: KeysReply = { type: 'api-keys-reply', secrets }
          send(reply)
        } else if (isLedgerRequest(message)) {
          send(ledgerReport(db, opened.writes.stats()))
        }
      },
    }
  } catch (error) {
    reader?.close()
    await store?.close()
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}

runServerChild<ApiTarget>('api-servers.ts', API_TARGETS, (target) =>
  target === 'api-bare' ? buildBare() : buildSite(),
)

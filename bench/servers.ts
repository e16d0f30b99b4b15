/**
 * The server side of `bench/login.ts`, run in a child process so that autocannon's load
 * generator does not share an event loop (or a core) with the server it measures.
 *
 * Usage (by `login.ts`, via `child_process.fork`): `servers.ts bare|route`. Listens on an
 * ephemeral port of 127.0.0.1 only, reports it over IPC, and on `{ type: 'stop' }` (or when the
 * parent goes away) closes, removes its temp database and exits normally, so `--cpu-prof` can
 * write its profile (see `child.ts`).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import { loadConfig } from '../src/config.js'
import { openSqliteStore, type SqliteStore } from '../src/db/sqlite/store.js'
import { createLogger } from '../src/log.js'
import { createApp } from '../src/web/app.js'
import {
  BENCH_BOT_TOKEN,
  BENCH_BOT_USERNAME,
  BENCH_LOGIN_MAX_AGE_SECONDS,
  BENCH_SESSION_SECRET,
  SERVER_TARGETS,
} from './common.js'
import { type Built, runServerChild } from './child.js'

/** The baseline: Express 5 with one handler and nothing else, the ceiling for any route. */
function buildBare(): Built {
  const app = express()
  app.get('/auth/telegram', (_req, res) => {
    res.send('ok')
  })
  return { app, dispose: () => undefined }
}

/**
 * A reference, not the target's baseline: Node's HTTP server answering `ok` with no framework.
 * The login route is served from there too (`src/web/fast-lane.ts`), so this is its ceiling.
 */
function buildBareNode(): Built {
  return {
    app: (_req, res) => {
      res.statusCode = 200
      res.setHeader('Content-Type', 'text/html; charset=utf-8')
      res.setHeader('Content-Length', '2')
      res.end('ok')
    },
    dispose: () => undefined,
  }
}

/** The response of a successful login, and nothing else: what Express alone costs the route. */
function buildBareRedirect(): Built {
  const app = express()
  const cookieValue = 'x'.repeat(43)
  app.get('/auth/telegram', (_req, res) => {
    res.cookie('kg_session', cookieValue, {
      httpOnly: true,
      sameSite: 'lax',
      secure: false,
      path: '/',
      maxAge: 2_592_000_000,
    })
    res.set('Cache-Control', 'no-store')
    res.redirect(302, '/me')
  })
  return { app, dispose: () => undefined }
}

/**
 * The real site, configured as in production except for what the benchmark must neutralise:
 * no rate limiter (one client address sends every login) and no logging (stdout is not what
 * we measure). The database is a fresh SQLite file with the production pragmas (WAL).
 */
function buildRoute(inMemory: boolean): Built {
  const dir = mkdtempSync(join(tmpdir(), 'karmagate-bench-'))
  let store: SqliteStore | undefined
  try {
    const config = loadConfig({
      NODE_ENV: 'test',
      BOT_TOKEN: BENCH_BOT_TOKEN,
      BOT_USERNAME: BENCH_BOT_USERNAME,
      SESSION_SECRET: BENCH_SESSION_SECRET,
      DATABASE_PATH: join(dir, 'karmagate.db'),
      PUBLIC_URL: 'http://127.0.0.1',
      LOGIN_MAX_AGE_SECONDS: String(BENCH_LOGIN_MAX_AGE_SECONDS),
      LOGIN_RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'silent',
    })
    store = openSqliteStore(inMemory ? ':memory:' : config.databasePath).store
    const logger = createLogger(config)
    const app = createApp({ config, botUsername: config.botUsername ?? BENCH_BOT_USERNAME, store, logger })
    const opened = store
    // As the web process runs it (src/processes/web.ts): checkpoints off the event loop.
    const checkpointer = opened.startUpkeep({ logger })
    return {
      app,
      dispose: async () => {
        process.stderr.write(
          `group commit ${JSON.stringify(opened.writes.stats())} checkpoints ${JSON.stringify(checkpointer.stats())}\n`,
        )
        await checkpointer.stop()
        await opened.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    void store?.close()
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}

runServerChild('servers.ts', SERVER_TARGETS, (target) =>
  target === 'bare'
    ? buildBare()
    : target === 'bare-node'
      ? buildBareNode()
      : target === 'bare-redirect'
        ? buildBareRedirect()
        : buildRoute(target === 'route-memory'),
)

import { mkdtempSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { loadConfig, type Config } from '../../src/config.js'
import { openStore, type Store } from '../../src/db/store.js'
import { createLogger } from '../../src/log.js'
import { signedLoginQuery } from '../../src/login/sign.js'
import { createApp } from '../../src/web/app.js'

/** A bot token of the right shape; never a real one. */
export const TEST_BOT_TOKEN = '123456789:AAtestTOKENtestTOKENtestTOKENtest12'
export const TEST_BOT_USERNAME = 'karmagate_test_bot'
export const TEST_SESSION_SECRET = 'test-session-secret-0123456789abcdef'

/** A temp folder removed by the returned function. */
export function tempDir(prefix = 'karmagate-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return {
    dir,
    remove: () => {
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Log lines written by the site, for asserting what is (and is not) logged. */
export class LogCapture extends Writable {
  readonly lines: string[] = []
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
    done()
  }
  get text(): string {
    return this.lines.join('\n')
  }
}

/** A running site over a temp SQLite file, on an ephemeral port. */
export interface TestSite {
  readonly url: string
  readonly config: Config
  readonly store: Store
  readonly dbPath: string
  readonly logs: LogCapture
  /** Moves the site's clock; the site reads it on each request. */
  setNow(ms: number): void
  /** The site's clock (ms since the epoch). */
  now(): number
  /** Whole seconds since the epoch on the site's clock, as Telegram and the tables count them. */
  nowSeconds(): number
  /** A login URL signed with the site's bot token; fields override the defaults. */
  loginUrl(fields?: Record<string, string | undefined>): string
  close(): Promise<void>
}

/** Starts the site as `cli.ts web` would, over a fresh temp database; `env` overrides. */
export async function startTestSite(env: Record<string, string> = {}): Promise<TestSite> {
  const tmp = tempDir()
  const dbPath = join(tmp.dir, 'karmagate.db')
  const config = loadConfig({
    NODE_ENV: 'test',
    BOT_TOKEN: TEST_BOT_TOKEN,
    BOT_USERNAME: TEST_BOT_USERNAME,
    SESSION_SECRET: TEST_SESSION_SECRET,
    DATABASE_PATH: dbPath,
    PUBLIC_URL: 'http://127.0.0.1:1',
    LOGIN_RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'info',
    ...env,
  })
  const logs = new LogCapture()
  const logger = createLogger(config, logs)
  const { store } = await openStore({ databasePath: dbPath })
  let now = Date.now()
  const app = createApp({
    config,
    botUsername: config.botUsername ?? TEST_BOT_USERNAME,
    store,
    logger,
    clock: () => now,
  })
  const server: Server = createServer(app).listen(0, '127.0.0.1')
  await once(server, 'listening')
  const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`
  const nowSeconds = () => Math.floor(now / 1000)
  return {
    url,
    config,
    store,
    dbPath,
    logs,
    setNow: (ms) => {
      now = ms
    },
    now: () => now,
    nowSeconds,
    loginUrl: (fields = {}) =>
      `${url}/auth/telegram?${signedLoginQuery(config.botToken, loginFields(nowSeconds(), fields))}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve()
        }),
      )
      await store.close()
      tmp.remove()
    },
  }
}

/** Typical login fields for a member, dated `authDate`; `undefined` in overrides drops a field. */
export function loginFields(
  authDate: number,
  overrides: Record<string, string | undefined> = {},
): Record<string, string> {
  const fields: Record<string, string | undefined> = {
    id: '424242',
    first_name: 'Ada',
    last_name: 'Lovelace',
    username: 'ada_l',
    photo_url: 'https://t.me/i/userpic/320/ada.jpg',
    auth_date: String(authDate),
    ...overrides,
  }
  return Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined))
}

/** The session cookie pair (`name=value`) from a response, if it set one. */
export function sessionCookie(res: Response): string | undefined {
  for (const header of res.headers.getSetCookie()) {
    const pair = header.split(';')[0] ?? ''
    if (/^(__Host-)?kg_session=.+/.test(pair)) return pair
  }
  return undefined
}

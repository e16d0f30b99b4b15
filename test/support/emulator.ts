import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express, { type Express } from 'express'
import { TelegramEmulator, type TelegramEmulatorOptions } from '../../src/sandbox/emulator.js'
import { TEST_BOT_TOKEN, TEST_BOT_USERNAME } from './site.js'

/** An emulator serving its Bot API and page over real HTTP on an ephemeral port. */
export interface RunningEmulator {
  readonly emulator: TelegramEmulator
  /** The express app it is mounted on; a test may add its own routes. */
  readonly app: Express
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  /** grammY's `client.apiRoot`: `${url}/sandbox/api`. */
  readonly apiRoot: string
  readonly token: string
  close(): Promise<void>
}

/** The name the bot's tests use for {@link RunningEmulator}. */
export type TestEmulator = RunningEmulator

/**
 * Starts a {@link TelegramEmulator} as the web process mounts it: the Bot API at
 * `/sandbox/api`, the page at `/sandbox`. `setup` runs first on the bare app (say, helmet).
 * Options default to the test bot's token and username.
 */
export async function startEmulator(
  options: Partial<TelegramEmulatorOptions> = {},
  setup?: (app: Express) => void,
): Promise<RunningEmulator> {
  const emulator = new TelegramEmulator({ botToken: TEST_BOT_TOKEN, botUsername: TEST_BOT_USERNAME, ...options })
  const app = express()
  app.disable('x-powered-by')
  setup?.(app)
  app.use('/sandbox/api', emulator.botApiRouter())
  app.use('/sandbox', emulator.appRouter())
  const server: Server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`
  return {
    emulator,
    app,
    url,
    apiRoot: `${url}/sandbox/api`,
    token: options.botToken ?? TEST_BOT_TOKEN,
    close: async () => {
      emulator.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve()
        }),
      )
    },
  }
}

/** A clock a test moves by hand, for rate limits, dates and bans. */
export interface ManualClock {
  readonly now: () => number
  advance(ms: number): void
}

/** A {@link ManualClock} starting at `startMs`. */
export function manualClock(startMs = Date.UTC(2030, 0, 1)): ManualClock {
  let now = startMs
  return {
    now: () => now,
    advance: (ms) => {
      now += ms
    },
  }
}

/** An HTTP server that records what is posted to it and answers with `respond`'s status. */
export interface RecordingServer {
  readonly url: string
  readonly requests: {
    readonly path: string
    readonly headers: Record<string, string | string[] | undefined>
    readonly body: unknown
    readonly query: string
  }[]
  close(): Promise<void>
}

/** Starts a {@link RecordingServer}; `respond` picks each answer's status (default 200). */
export async function startRecordingServer(respond: (index: number) => number = () => 200): Promise<RecordingServer> {
  const requests: RecordingServer['requests'][number][] = []
  const app = express()
  app.use(express.json())
  app.all('/{*path}', (req, res) => {
    const index = requests.length
    const rawQuery = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : ''
    requests.push({ path: req.path, headers: req.headers, body: req.body as unknown, query: rawQuery })
    res.status(respond(index)).send('ok')
  })
  const server: Server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`,
    requests,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve()
        }),
      )
    },
  }
}

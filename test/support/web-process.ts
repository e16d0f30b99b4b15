import { join } from 'node:path'
import { loadConfig, type Config } from '../../src/config.js'
import { createLogger } from '../../src/log.js'
import { startWebProcess, type WebProcess } from '../../src/processes/web.js'
import { LogCapture, tempDir, TEST_SESSION_SECRET } from './site.js'

/** A whole web process (site + bot, and in the sandbox the emulator) over a temp database. */
export interface TestWebProcess extends WebProcess {
  readonly config: Config
  readonly logs: LogCapture
  readonly dbPath: string
  /** Stops the process and removes its temp folder. */
  close(): Promise<void>
}

/**
 * Starts the web process as `cli.ts web` does, on an ephemeral port over a fresh temp
 * database. With no `BOT_TOKEN` in `env` it is the sandbox, with the emulator in process.
 */
export async function startTestWebProcess(
  env: Record<string, string> = {},
  options: { dbPath?: string } = {},
): Promise<TestWebProcess> {
  const tmp = tempDir()
  // A given database outlives this process, as after a restart; a temp one is removed with it.
  const dbPath = options.dbPath ?? join(tmp.dir, 'karmagate.db')
  const config = loadConfig({
    NODE_ENV: 'test',
    SESSION_SECRET: TEST_SESSION_SECRET,
    DATABASE_PATH: dbPath,
    PORT: '0',
    LOGIN_RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'debug',
    ...env,
  })
  const logs = new LogCapture()
  const web = await startWebProcess(config, createLogger(config, logs), {
    host: '127.0.0.1',
    botRetryDelayMs: [50, 500],
  })
  return {
    ...web,
    config,
    logs,
    dbPath,
    close: async () => {
      await web.stop()
      tmp.remove()
    },
  }
}

/** A free TCP port on 127.0.0.1 (for a PUBLIC_URL that must be known before the process starts). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net')
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port)
        else reject(new Error('no port'))
      })
    })
  })
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

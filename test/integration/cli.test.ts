import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../support/cli.js'
import { startEmulator, type TestEmulator } from '../support/emulator.js'
import { tempDir, TEST_BOT_TOKEN, TEST_BOT_USERNAME, TEST_SESSION_SECRET } from '../support/site.js'

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function workDir(): string {
  const tmp = tempDir('karmagate-cli-')
  cleanups.push(tmp.remove)
  return tmp.dir
}

const baseEnv = (dir: string): Record<string, string> => ({
  BOT_TOKEN: TEST_BOT_TOKEN,
  BOT_USERNAME: 'karmagate_test_bot',
  SESSION_SECRET: TEST_SESSION_SECRET,
  DATABASE_PATH: join(dir, 'data', 'karmagate.db'),
  PORT: '0',
  // Never Telegram: a port where nothing listens, unless a test gives the emulator.
  TELEGRAM_API_ROOT: 'http://127.0.0.1:9',
})

/** The emulator as the Bot API of a spawned process. */
async function emulatorApi(): Promise<TestEmulator> {
  const tg = await startEmulator()
  cleanups.push(() => tg.close())
  return tg
}

describe('karmagate CLI', () => {
  it('stops with exit code 2 and one message naming every bad variable, printing no secret', async () => {
    const dir = workDir()
    const proc = runCli(
      ['web'],
      { NODE_ENV: 'production', BOT_TOKEN: 'secret-but-malformed', PORT: 'x', SESSION_SECRET: 'tiny-secret' },
      dir,
    )
    expect(await proc.exited).toBe(2)
    expect(proc.stderr).toMatch(/Invalid configuration/)
    for (const name of ['BOT_TOKEN', 'PORT', 'PUBLIC_URL', 'SESSION_SECRET']) expect(proc.stderr).toContain(name)
    expect(proc.stderr + proc.stdout).not.toContain('secret-but-malformed')
    expect(proc.stderr + proc.stdout).not.toContain('tiny-secret')
  })

  it('refuses an unknown command with exit code 2', async () => {
    const proc = runCli(['fly'], {}, workDir())
    expect(await proc.exited).toBe(2)
    expect(proc.stderr).toContain('Unknown command: fly')
  })

  it('migrate applies every migration once, for a release phase', async () => {
    const dir = workDir()
    const env = baseEnv(dir)
    const first = runCli(['migrate'], env, dir)
    expect(await first.exited).toBe(0)
    expect(first.stdout).toContain('001_members_and_sessions.sql')
    const second = runCli(['migrate'], env, dir)
    expect(await second.exited).toBe(0)
    expect(second.stdout).toContain('"applied":[]')
    const db = new Database(env.DATABASE_PATH, { readonly: true })
    cleanups.push(() => {
      db.close()
    })
    expect(db.prepare<[], { n: number }>('SELECT count(*) AS n FROM schema_migrations').get()!.n).toBeGreaterThan(0)
  })

  it('web migrates a fresh database, serves, and stops cleanly on SIGTERM', async () => {
    const dir = workDir()
    const tg = await emulatorApi()
    const proc = runCli(['web'], { ...baseEnv(dir), TELEGRAM_API_ROOT: tg.apiRoot }, dir)
    cleanups.push(() => {
      proc.child.kill('SIGKILL')
    })
    const line = await proc.waitFor(/web process listening/)
    const port = (JSON.parse(line) as { port: number }).port
    const health = await fetch(`http://127.0.0.1:${String(port)}/healthz`)
    expect(health.status).toBe(200)
    await proc.waitFor(/bot polling started/)
    proc.child.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
    expect(proc.stdout).toContain('"msg":"stopped"')
    expect(proc.stdout + proc.stderr).not.toContain(TEST_BOT_TOKEN)
  })

  it('web asks getMe for the bot username when BOT_USERNAME is not set', async () => {
    const dir = workDir()
    const tg = await emulatorApi()
    const { BOT_USERNAME: _omit, ...env } = baseEnv(dir)
    const proc = runCli(['web'], { ...env, TELEGRAM_API_ROOT: tg.apiRoot }, dir)
    cleanups.push(() => {
      proc.child.kill('SIGKILL')
    })
    const line = await proc.waitFor(/web process listening/)
    expect(JSON.parse(line)).toMatchObject({ botUsername: TEST_BOT_USERNAME })
    expect(tg.emulator.stats().calls.getMe).toBeGreaterThanOrEqual(1)
    proc.child.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
  })

  it('without BOT_TOKEN runs the sandbox: the emulator in process, and a banner saying where', async () => {
    const dir = workDir()
    const { BOT_TOKEN: _t, BOT_USERNAME: _u, TELEGRAM_API_ROOT: _r, ...env } = baseEnv(dir)
    const proc = runCli(['web'], env, dir)
    cleanups.push(() => {
      proc.child.kill('SIGKILL')
    })
    const line = await proc.waitFor(/web process listening/)
    const port = (JSON.parse(line) as { port: number }).port
    await proc.waitFor(/bot polling started/)
    expect(proc.stdout).toContain('SANDBOX')
    expect(proc.stdout).toMatch(/\/sandbox/)
    expect((await fetch(`http://127.0.0.1:${String(port)}/sandbox`)).status).toBe(200)
    proc.child.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
  })

  it('never mounts the emulator when a real token is configured', async () => {
    const dir = workDir()
    const tg = await emulatorApi()
    const proc = runCli(['web'], { ...baseEnv(dir), TELEGRAM_API_ROOT: tg.apiRoot }, dir)
    cleanups.push(() => {
      proc.child.kill('SIGKILL')
    })
    const port = (JSON.parse(await proc.waitFor(/web process listening/)) as { port: number }).port
    const base = `http://127.0.0.1:${String(port)}`
    expect((await fetch(`${base}/sandbox`)).status).toBe(404)
    expect((await fetch(`${base}/sandbox/api/bot${TEST_BOT_TOKEN}/getMe`)).status).toBe(404)
    proc.child.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
  })

  it('refuses to run without BOT_TOKEN in production, with exit code 2', async () => {
    const dir = workDir()
    const proc = runCli(
      ['web'],
      {
        NODE_ENV: 'production',
        PUBLIC_URL: 'https://karma.example.com',
        SESSION_SECRET: TEST_SESSION_SECRET,
        WEBHOOK_SECRET: 'webhook-secret-0123456789',
      },
      dir,
    )
    expect(await proc.exited).toBe(2)
    expect(proc.stderr).toContain('BOT_TOKEN is required in production')
  })

  it('web fails with a clear message, and no token, when getMe fails', async () => {
    const dir = workDir()
    const { BOT_USERNAME: _omit, ...env } = baseEnv(dir)
    const proc = runCli(['web'], { ...env, TELEGRAM_API_ROOT: 'http://127.0.0.1:9' }, dir)
    expect(await proc.exited).toBe(1)
    expect(proc.stdout).toContain('BOT_USERNAME is not set and getMe failed')
    expect(proc.stdout + proc.stderr).not.toContain(TEST_BOT_TOKEN)
  })
})

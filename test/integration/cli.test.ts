import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../support/cli.js'
import { tempDir, TEST_BOT_TOKEN, TEST_SESSION_SECRET } from '../support/site.js'

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
})

describe('karmagate CLI', () => {
  it('stops with exit code 2 and one message naming every bad variable, printing no secret', async () => {
    const dir = workDir()
    const proc = runCli(['web'], { NODE_ENV: 'production', BOT_TOKEN: 'secret-but-malformed', PORT: 'x', SESSION_SECRET: 'tiny-secret' }, dir)
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
    const proc = runCli(['web'], baseEnv(dir), dir)
    cleanups.push(() => {
      proc.child.kill('SIGKILL')
    })
    const line = await proc.waitFor(/web process listening/)
    const port = (JSON.parse(line) as { port: number }).port
    const health = await fetch(`http://127.0.0.1:${String(port)}/healthz`)
    expect(health.status).toBe(200)
    proc.child.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
    expect(proc.stdout).toContain('"msg":"stopped"')
    expect(proc.stdout + proc.stderr).not.toContain(TEST_BOT_TOKEN)
  })

  it('web asks getMe for the bot username when BOT_USERNAME is not set', async () => {
    const dir = workDir()
    const calls: string[] = []
    const botApi = createServer((req, res) => {
      calls.push(req.url ?? '')
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ ok: true, result: { id: 42, is_bot: true, first_name: 'Gate', username: 'gate_from_getme_bot' } }))
    })
    botApi.listen(0, '127.0.0.1')
    await once(botApi, 'listening')
    cleanups.push(() => new Promise<void>((resolve) => botApi.close(() => { resolve() })))
    const apiRoot = `http://127.0.0.1:${String((botApi.address() as AddressInfo).port)}`
    const { BOT_USERNAME: _omit, ...env } = baseEnv(dir)
    const proc = runCli(['web'], { ...env, TELEGRAM_API_ROOT: apiRoot }, dir)
    cleanups.push(() => {
      proc.child.kill('SIGKILL')
    })
    const line = await proc.waitFor(/web process listening/)
    expect(JSON.parse(line)).toMatchObject({ botUsername: 'gate_from_getme_bot' })
    expect(calls).toEqual([`/bot${TEST_BOT_TOKEN}/getMe`])
    proc.child.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
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

import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../support/cli.js'
import { tempDir } from '../support/site.js'

const dirs: { remove: () => void }[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove()
})
function workDir(): string {
  const tmp = tempDir()
  dirs.push(tmp)
  return tmp.dir
}
const creds = { TG_API_ID: '12345', TG_API_HASH: '0123456789abcdef0123456789abcdef' }

// Only refusals here: every one happens before the client would open a connection.
describe('worker commands (CLI)', () => {
  it.each(['worker', 'worker:login', 'worker:accept-login', 'worker:url-auth'])(
    '%s refuses with exit 2 without TG_API_ID and TG_API_HASH',
    async (command) => {
      const dir = workDir()
      const proc = runCli([command], { DATABASE_PATH: join(dir, 'k.db') }, dir)
      expect(await proc.exited).toBe(2)
      expect(proc.stderr).toMatch(/TG_API_ID is required by the worker/)
      expect(proc.stderr).toMatch(/TG_API_HASH is required by the worker/)
      expect(existsSync(join(dir, 'data', 'worker.session'))).toBe(false)
    },
  )

  it('refuses a malformed TG_API_HASH as bad configuration, without printing it', async () => {
    const dir = workDir()
    const proc = runCli(['worker'], { TG_API_ID: '1', TG_API_HASH: 'not-a-hash-secret' }, dir)
    expect(await proc.exited).toBe(2)
    expect(proc.stderr).toMatch(/TG_API_HASH must be the api_hash/)
    expect(proc.stderr).not.toContain('not-a-hash-secret')
  })

  it('worker:accept-login refuses a malformed link with exit 2; the session file is created 0600', async () => {
    const dir = workDir()
    const session = join(dir, 'data', 'worker.session')
    const proc = runCli(['worker:accept-login', 'https://t.me/nope'], { ...creds, WORKER_SESSION_PATH: session }, dir)
    expect(await proc.exited).toBe(2)
    expect(proc.stderr).toMatch(/tg:\/\/login\?token=/)
    expect(statSync(session).mode & 0o777).toBe(0o600)
  })

  it('worker:url-auth refuses missing arguments with exit 2 and its usage', async () => {
    const dir = workDir()
    const proc = runCli(
      ['worker:url-auth', '--peer', '@karmagate_bot'],
      { ...creds, WORKER_SESSION_PATH: join(dir, 's.session') },
      dir,
    )
    expect(await proc.exited).toBe(2)
    expect(proc.stderr).toMatch(/--msg-id must be/)
    expect(proc.stderr).toMatch(/Usage: karmagate worker:url-auth/)
  })

  it.each([
    [['--qr'], /unknown option '--qr'/],
    [['--phone', '12'], /--phone must be a phone number in international format/],
  ])('worker:login %j is refused with exit 2 and its usage, before the session is opened', async (args, problem) => {
    const dir = workDir()
    const session = join(dir, 'data', 'worker.session')
    const proc = runCli(
      ['worker:login', ...args],
      { ...creds, WORKER_SESSION_PATH: session, DATABASE_PATH: join(dir, 'k.db') },
      dir,
    )
    expect(await proc.exited).toBe(2)
    expect(proc.stderr).toMatch(problem)
    expect(proc.stderr).toContain('Usage: karmagate worker:login [--phone [+NUMBER]]')
    expect(existsSync(session)).toBe(false)
  })

  it('worker:login --phone without a terminal exits 2 instead of waiting for a number nobody types', async () => {
    const dir = workDir()
    const proc = runCli(
      ['worker:login', '--phone'],
      { ...creds, WORKER_SESSION_PATH: join(dir, 's.session'), DATABASE_PATH: join(dir, 'k.db') },
      dir,
    )
    expect(await proc.exited).toBe(2)
    expect(proc.stderr).toMatch(/Login failed: no terminal to ask on: run worker:login --phone in a terminal/)
  })

  it('worker refuses arguments with exit 2', async () => {
    const dir = workDir()
    const proc = runCli(['worker', '--now'], { ...creds, WORKER_SESSION_PATH: join(dir, 's.session') }, dir)
    expect(await proc.exited).toBe(2)
    expect(proc.stderr).toMatch(/Usage: karmagate worker \(no arguments\)/)
  })
})

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openStore } from '../../src/db/store.js'
import { runCli } from '../support/cli.js'
import { tempDir, TEST_BOT_TOKEN, TEST_SESSION_SECRET } from '../support/site.js'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function workDir(): { dir: string; env: Record<string, string> } {
  const tmp = tempDir('karmagate-cli-')
  cleanups.push(tmp.remove)
  return {
    dir: tmp.dir,
    env: {
      BOT_TOKEN: TEST_BOT_TOKEN,
      BOT_USERNAME: 'karmagate_test_bot',
      SESSION_SECRET: TEST_SESSION_SECRET,
      DATABASE_PATH: join(tmp.dir, 'data', 'karmagate.db'),
    },
  }
}

describe('karmagate api-key:create', () => {
  it('prints a new key once, alone on stdout, on a fresh database; the key authenticates', async () => {
    const { dir, env } = workDir()
    const first = runCli(['api-key:create', 'php site'], env, dir)
    expect(await first.exited).toBe(0)
    expect(first.stdout).toMatch(/^kg_[A-Za-z0-9_-]{43}\n$/)
    expect(first.stderr).toContain('shown only this once')
    const second = runCli(['api-key:create', 'backup'], env, dir)
    expect(await second.exited).toBe(0)
    expect(second.stdout).not.toBe(first.stdout)

    const { store } = await openStore({ databasePath: env.DATABASE_PATH! })
    cleanups.push(() => store.close())
    const key = await store.apiKeys.authenticate(first.stdout.trim(), Date.now())
    expect(key).toMatchObject({ name: 'php site' })
    expect((await store.apiKeys.list()).map((k) => k.name)).toEqual(['php site', 'backup'])
    expect((await store.audit.recent(5)).map((a) => [a.actor, a.action, a.details.name])).toEqual([
      ['cli', 'api_key.create', 'backup'],
      ['cli', 'api_key.create', 'php site'],
    ])
  })

  it.each([
    ['no name', []],
    ['an empty name', ['']],
    ['a name with surrounding spaces', [' site ']],
    ['a name over 100 characters', ['x'.repeat(101)]],
    ['a name with a control character', ['site\u0007']],
    ['two names', ['php', 'site']],
  ])('refuses %s with exit code 2, creating nothing', async (_name, args) => {
    const { dir, env } = workDir()
    const proc = runCli(['api-key:create', ...args], env, dir)
    expect(await proc.exited).toBe(2)
    expect(proc.stderr).toMatch(/api-key:create NAME|NAME must be/)
    expect(proc.stdout).toBe('')
    expect(existsSync(env.DATABASE_PATH!)).toBe(false)
  })
})

import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, workerCredentials } from '../../src/config.js'

describe('worker configuration', () => {
  it('is optional, with defaults, so the web process starts without it', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({
      tgApiId: undefined,
      tgApiHash: undefined,
      workerSessionPath: './data/worker.session',
      tg2faPassword: undefined,
      chatsPerDay: 20,
      canaryIntervalSeconds: 0,
    })
    expect(workerCredentials(config)).toEqual({
      problems: [expect.stringMatching(/^TG_API_ID is required/), expect.stringMatching(/^TG_API_HASH is required/)],
    })
  })

  it('parses every variable', () => {
    const config = loadConfig({
      TG_API_ID: '12345',
      TG_API_HASH: '0123456789abcdef0123456789abcdef',
      WORKER_SESSION_PATH: '/data/w.session',
      TG_2FA_PASSWORD: ' spaces kept ',
      CHATS_PER_DAY: '50',
      CANARY_INTERVAL_SECONDS: '900',
    })
    expect(config).toMatchObject({
      tgApiId: 12345,
      workerSessionPath: '/data/w.session',
      tg2faPassword: ' spaces kept ',
      chatsPerDay: 50,
      canaryIntervalSeconds: 900,
    })
    expect(workerCredentials(config)).toEqual({ apiId: 12345, apiHash: '0123456789abcdef0123456789abcdef' })
  })

  it('names each bad value without printing it', () => {
    let problems: readonly string[] = []
    try {
      loadConfig({ TG_API_ID: 'abc', TG_API_HASH: 'secret-value', CHATS_PER_DAY: '51', CANARY_INTERVAL_SECONDS: '-1' })
    } catch (err) {
      if (err instanceof ConfigError) problems = err.problems
    }
    expect(problems.map((p) => p.split(' ')[0])).toEqual([
      'TG_API_ID',
      'TG_API_HASH',
      'CHATS_PER_DAY',
      'CANARY_INTERVAL_SECONDS',
    ])
    expect(problems.join('\n')).not.toContain('secret-value')
  })
})

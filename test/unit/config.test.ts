import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, TELEGRAM_BOT_API_ROOT, workerCredentials } from '../../src/config.js'
import { TEST_BOT_TOKEN, TEST_SESSION_SECRET } from '../support/site.js'

const production = {
  NODE_ENV: 'production',
  BOT_TOKEN: TEST_BOT_TOKEN,
  PUBLIC_URL: 'https://karma.example.com/',
  SESSION_SECRET: TEST_SESSION_SECRET,
  WEBHOOK_SECRET: 'webhook-secret-0123456789',
}

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  throw new Error('expected a ConfigError')
}

describe('loadConfig', () => {
  it('fills every default in development', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({
      env: 'development',
      port: 3000,
      databasePath: './data/karmagate.db',
      publicUrl: 'http://localhost:3000',
      secureCookies: false,
      loginMaxAgeSeconds: 600,
      telegramApiRoot: TELEGRAM_BOT_API_ROOT,
      logLevel: 'info',
      botTokenGenerated: true,
      sessionSecretGenerated: true,
    })
    expect(config.adminTelegramIds.size).toBe(0)
    expect(config.botToken).toMatch(/^\d+:[\w-]{30,}$/)
  })

  it('parses a production configuration', () => {
    const config = loadConfig({
      ...production,
      ADMIN_TELEGRAM_IDS: ' 12, 34 ',
      LOGIN_MAX_AGE_SECONDS: '86400',
      BOT_USERNAME: '@my_bot',
    })
    expect(config.publicUrl).toBe('https://karma.example.com')
    expect(config.secureCookies).toBe(true)
    expect([...config.adminTelegramIds]).toEqual([12, 34])
    expect(config.loginMaxAgeSeconds).toBe(86400)
    expect(config.botUsername).toBe('my_bot')
    expect(config.botUsername).not.toBeUndefined()
    expect(config.botTokenGenerated).toBe(false)
  })

  it('chooses webhook mode for https and requires its secret', () => {
    expect(loadConfig(production).botMode).toBe('webhook')
    expect(loadConfig({ ...production, BOT_MODE: 'polling' }).botMode).toBe('polling')
    expect(loadConfig({}).botMode).toBe('polling')
    const { WEBHOOK_SECRET: _omit, ...withoutSecret } = production
    expect(problemsOf(withoutSecret)).toEqual([expect.stringMatching(/^WEBHOOK_SECRET is required/)])
    expect(problemsOf({ WEBHOOK_SECRET: 'short' })[0]).toMatch(/^WEBHOOK_SECRET /)
  })

  it('treats blank variables as unset', () => {
    expect(loadConfig({ PORT: '', LOG_LEVEL: ' ' }).port).toBe(3000)
  })

  it('names every problem at once, never echoing a value', () => {
    const secret = 'short-secret-value'
    const problems = problemsOf({
      NODE_ENV: 'production',
      BOT_TOKEN: 'not-a-token-XYZ',
      PUBLIC_URL: 'https://karma.example.com/path',
      SESSION_SECRET: secret,
      PORT: '70000',
      ADMIN_TELEGRAM_IDS: '12,abc',
      LOGIN_MAX_AGE_SECONDS: '0',
      TELEGRAM_API_ROOT: 'ftp://x',
      LOG_LEVEL: 'loud',
    })
    const text = problems.join('\n')
    for (const name of [
      'BOT_TOKEN',
      'PUBLIC_URL',
      'SESSION_SECRET',
      'PORT',
      'ADMIN_TELEGRAM_IDS',
      'LOGIN_MAX_AGE_SECONDS',
      'TELEGRAM_API_ROOT',
      'LOG_LEVEL',
    ]) {
      expect(text).toContain(name)
    }
    expect(text).not.toContain(secret)
    expect(text).not.toContain('not-a-token-XYZ')
  })

  it('requires the token, public URL and session secret in production', () => {
    const problems = problemsOf({ NODE_ENV: 'production' })
    expect(problems).toHaveLength(3)
    expect(problems.join('\n')).toMatch(/BOT_TOKEN[\s\S]*PUBLIC_URL[\s\S]*SESSION_SECRET/)
  })

  it.each(['1.5', '-1', 'ten', '0'])('refuses LOGIN_MAX_AGE_SECONDS=%s', (value) => {
    expect(problemsOf({ LOGIN_MAX_AGE_SECONDS: value })[0]).toMatch(/^LOGIN_MAX_AGE_SECONDS /)
  })
})

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

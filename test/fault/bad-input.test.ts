import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { pino } from 'pino'
import type { UserFromGetMe } from 'grammy/types'
import { createBot } from '../../src/bot/bot.js'
import { webhookRoutes } from '../../src/bot/webhook.js'
import { loadConfig, ConfigError } from '../../src/config.js'
import { textProblem } from '../../src/text.js'
import { errorOf, startApiSite } from '../integration/api-kit.js'
import { admin, counts, site } from '../integration/admin/kit.js'

/** Who the bot is, as getMe would say. */
const BOT_INFO = {
  id: 1,
  is_bot: true,
  first_name: 'kg',
  username: 'kg_bot',
} as UserFromGetMe

/** Text that is not acceptable anywhere: control characters and broken UTF-16, where it falls. */
const badText = fc
  .tuple(
    fc.string({ maxLength: 20 }),
    fc.constantFrom('\u0000', '\u0001', '\u001f', '\u007f', '\ud800', '\udfff', '\u000b'),
    fc.string({ maxLength: 20 }),
  )
  .map(([a, bad, b]) => `${a}${bad}${b}`)

describe('bad text, refused everywhere with a 4xx that names the field, changing nothing', () => {
  it('in karma events, alone or in a batch, whatever the text around it', async () => {
    const s = await startApiSite()
    await s.store.members.recordBotContact({ telegramId: 9, firstName: 'N', lastName: null, username: null }, s.now())
    let n = 0
    await fc.assert(
      fc.asyncProperty(badText, fc.constantFrom('reason', 'externalId'), fc.boolean(), async (text, field, batch) => {
        const event =
          field === 'reason'
            ? { member: { telegramId: 9 }, delta: 1, reason: text, idempotencyKey: `k-${String(++n)}` }
            : { member: { externalId: text }, delta: 1, reason: 'r', idempotencyKey: `k-${String(++n)}` }
        const res = await s.call('POST', '/karma-events', batch ? { events: [event] } : event)
        expect(res.status, JSON.stringify(text)).toBe(400)
        const error = errorOf(res)
        expect(error.code).toBe('invalid')
        expect(error.field).toBe(`${batch ? 'events[0].' : ''}${field === 'reason' ? 'reason' : 'member.externalId'}`)
      }),
      { numRuns: 60 },
    )
    expect((await s.store.members.findByTelegramId(9))?.karma).toBe(0)
  })

  it('in the admin forms: a chat title of %00, an API key name with a control character', async () => {
    const s = await site()
    const client = await admin(s)
    const before = counts(s)
    const rule = await client.submit('/admin/rules/new', '/admin/rules', {
      groupId: '',
      chatId: 'new',
      chatTitle: '\u0000',
      chatDescription: '',
      minKarma: '10',
      removeBelow: '',
      enabled: '1',
    })
    expect(rule.status).toBe(400)
    expect(await rule.text()).toContain('The chat title must not contain control characters.')
    const key = await client.submit('/admin/api-keys', '/admin/api-keys', { name: 'site\u0007' })
    expect(key.status).toBe(400)
    expect(counts(s)).toEqual(before)
  })

  it('in API bodies that are not valid UTF-8', async () => {
    const s = await startApiSite()
    const res = await fetch(`${s.url}/api/v1/karma-events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json' },
      body: Buffer.concat([
        Buffer.from('{"member":{"telegramId":9},"delta":1,"reason":"'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('","idempotencyKey":"k"}'),
      ]),
    })
    expect(res.status).toBe(400)
  })

  it('in the configuration, naming the variable and never its value', () => {
    const problems = (() => {
      try {
        loadConfig({ NODE_ENV: 'development', BOT_USERNAME: 'karma\u0000bot', PUBLIC_URL: 'http://localhost:3000' })
      } catch (err) {
        if (err instanceof ConfigError) return err.message
        throw err
      }
      return ''
    })()
    expect(problems).toContain('BOT_USERNAME')
    expect(problems).not.toContain('karma')
  })

  it('one rule for all: tabs and line breaks only in multi-line text, nothing blank', () => {
    expect(textProblem('a\tb')).toMatch(/control characters/)
    expect(textProblem('a\nb', { multiline: true })).toBeUndefined()
    expect(textProblem('   ')).toBe('must not be empty')
    expect(textProblem('é😀')).toBeUndefined()
  })
})

describe('the webhook, for odd callers', () => {
  it('answers a wrong secret 401 with the site headers, and ignores an update from user id 0 with a warning', async () => {
    const logs: { level: number; msg: string }[] = []
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => logs.push(JSON.parse(line) as { level: number; msg: string }) },
    )
    const s = await site()
    const config = loadConfig({ NODE_ENV: 'test', BOT_TOKEN: '123456:' + 'a'.repeat(35), BOT_USERNAME: 'kg_bot' })
    const bot = createBot(
      { config, store: s.store, logger },
      {
        botInfo: BOT_INFO,
      },
    )
    const hook = webhookRoutes(bot, {
      secretToken: 'secret-secret-secret',
      logger,
      refusalHeaders: [['X-Content-Type-Options', 'nosniff']],
    })
    const { createServer } = await import('node:http')
    const server = createServer((req, res) => {
      hook(req, res, () => {
        res.statusCode = 404
        res.end()
      })
    }).listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    const url = `http://127.0.0.1:${String((server.address() as { port: number }).port)}/telegram/webhook`
    try {
      const wrong = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      expect(wrong.status).toBe(401)
      expect(wrong.headers.get('x-content-type-options')).toBe('nosniff')
      const update = {
        update_id: 1,
        message: {
          message_id: 1,
          date: 1,
          chat: { id: 0, type: 'private' },
          from: { id: 0, is_bot: false, first_name: 'Z' },
          text: '/start',
        },
      }
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'secret-secret-secret' },
        body: JSON.stringify(update),
      })
      expect(res.status).toBe(200)
      expect(logs.some((l) => l.level === 40 && l.msg === 'update with an impossible user id ignored')).toBe(true)
      expect(logs.filter((l) => l.level >= 50)).toEqual([])
    } finally {
      server.close()
    }
  })
})

describe('bad API keys', () => {
  it('are limited per client address: past 30 a minute, 429 before any key is looked at', async () => {
    const s = await startApiSite()
    for (let i = 0; i < 30; i++) {
      expect((await s.call('GET', '/members/1', undefined, { authorization: 'Bearer kg_nope' })).status).toBe(401)
    }
    const limited = await s.call('GET', '/members/1', undefined, { authorization: 'Bearer kg_nope' })
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    // The same address with its good key is not refused for it? It is: the address is what is limited.
    expect((await s.call('GET', '/openapi.json')).status).toBe(200)
  })
})

import { once } from 'node:events'
import { gzipSync } from 'node:zlib'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Bot } from 'grammy'
import { afterEach, describe, expect, it } from 'vitest'
import { createBot } from '../../src/bot/bot.js'
import type { BotContext } from '../../src/bot/context.js'
import { webhookRoutes } from '../../src/bot/webhook.js'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/log.js'
import { createApp } from '../../src/web/app.js'
import { textUpdate } from '../support/updates.js'
import { startEmulator, type TestEmulator } from '../support/emulator.js'
import { LogCapture, TEST_BOT_TOKEN, TEST_BOT_USERNAME, TEST_SESSION_SECRET } from '../support/site.js'
import { openTestStore, type TestStore } from '../support/store.js'
import { eventually } from '../support/web-process.js'

const WEBHOOK_SECRET = 'webhook-secret-for-tests-4567'
const PUBLIC_URL = 'https://karmagate.example'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** The site in webhook mode, built as `processes/web.ts` builds it, over a test store and the emulator. */
interface WebhookSite {
  readonly url: string
  readonly t: TestStore
  readonly bot: Bot<BotContext>
  readonly logs: LogCapture
  /** Posts `body` to `path` with the secret header (unless `headers` says otherwise). */
  post(body: unknown, options?: { path?: string; headers?: Record<string, string>; raw?: string }): Promise<Response>
}

async function startTelegram(): Promise<TestEmulator> {
  const tg = await startEmulator({ limits: { messagesPerChatPerSecond: 30 } })
  cleanups.push(() => tg.close())
  return tg
}

async function startWebhookSite(
  options: { init?: boolean; admins?: string; tg?: TestEmulator } = {},
): Promise<WebhookSite> {
  const tg = options.tg ?? (await startTelegram())
  const t = openTestStore()
  cleanups.push(() => t.close())
  const config = loadConfig({
    NODE_ENV: 'test',
    BOT_TOKEN: TEST_BOT_TOKEN,
    BOT_USERNAME: TEST_BOT_USERNAME,
    BOT_MODE: 'webhook',
    WEBHOOK_SECRET,
    PUBLIC_URL,
    SESSION_SECRET: TEST_SESSION_SECRET,
    DATABASE_PATH: t.dbPath,
    TELEGRAM_API_ROOT: tg.apiRoot,
    ADMIN_TELEGRAM_IDS: options.admins ?? '',
    LOG_LEVEL: 'debug',
  })
  const logs = new LogCapture()
  const logger = createLogger(config, logs)
  const bot = createBot({ config, store: t.store, logger, clock: () => t.now() })
  if (options.init !== false) await bot.init()
  const app = createApp({
    config,
    botUsername: TEST_BOT_USERNAME,
    store: t.store,
    logger,
    webhook: webhookRoutes(bot, { secretToken: WEBHOOK_SECRET, logger }),
  })
  const server: Server = createServer(app).listen(0, '127.0.0.1')
  await once(server, 'listening')
  cleanups.push(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve()
      }),
    )
  })
  const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`
  return {
    url,
    t,
    bot,
    logs,
    post: (
      body,
      { path = '/telegram/webhook', headers = { 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET }, raw } = {},
    ) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: raw ?? JSON.stringify(body),
      }),
  }
}

/** The webhook reply of a `/start` to `chatId`: `sendMessage` with the login button. */
async function expectStartReply(res: Response, chatId: number): Promise<void> {
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^application\/json/)
  expect(await res.json()).toMatchObject({
    method: 'sendMessage',
    chat_id: chatId,
    text: expect.stringMatching(/^Welcome!/) as unknown,
    reply_markup: {
      inline_keyboard: [
        [
          {
            login_url: {
              url: `${PUBLIC_URL}/auth/telegram`,
              bot_username: TEST_BOT_USERNAME,
              request_write_access: true,
            },
          },
        ],
      ],
    },
  })
}

/** `updated_at` of the member with this Telegram id, read through a second connection. */
function updatedAt(t: TestStore, telegramId: number): number | undefined {
  return t.db
    .prepare<[number], { updated_at: number }>('SELECT updated_at FROM users WHERE telegram_id = ?')
    .get(telegramId)?.updated_at
}

describe('the webhook route', () => {
  it('answers 503 until the bot knows who it is, running nothing, then handles the same update', async () => {
    const site = await startWebhookSite({ init: false })
    const update = textUpdate({ id: 501, first_name: 'Ada' }, '/start')
    const early = await site.post(update)
    expect(early.status).toBe(503)
    expect(await early.json()).toEqual({ error: { code: 'starting', message: 'The bot is starting.' } })
    expect(await site.t.store.members.findByTelegramId(501)).toBeUndefined()

    await site.bot.init()
    await expectStartReply(await site.post(update), 501)
    expect((await site.t.store.members.findByTelegramId(501))?.canDm).toBe(true)
  })

  it('checks the secret before reading the body: 401 even for a body that is not JSON', async () => {
    const site = await startWebhookSite()
    const bad = await site.post(undefined, { headers: {}, raw: '{not json' })
    expect(bad.status).toBe(401)
    expect(await bad.json()).toEqual({ error: { code: 'unauthorized', message: 'Wrong or missing secret token.' } })
    expect(
      (
        await site.post(textUpdate({ id: 502, first_name: 'Eve' }, '/start'), {
          headers: { 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET.slice(0, -1) },
        })
      ).status,
    ).toBe(401)
    expect(await site.t.store.members.findByTelegramId(502)).toBeUndefined()
  })

  it('refuses a body that is not JSON with 400 and one over 1 MB with 413, running nothing', async () => {
    const site = await startWebhookSite()
    const broken = await site.post(undefined, { raw: '{"update_id": 1, "message": ' })
    expect(broken.status).toBe(400)
    expect(await broken.json()).toMatchObject({ error: { code: 'entity_parse_failed' } })
    const huge = textUpdate({ id: 503, first_name: 'Big' }, `/start ${'x'.repeat(1024 * 1024)}`)
    expect((await site.post(huge)).status).toBe(413)
    expect(await site.t.store.members.findByTelegramId(503)).toBeUndefined()
  })

  it('reads bodies Telegram does not send as express.json() does: compressed, chunked, other charsets', async () => {
    const site = await startWebhookSite()
    const secret = { 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET }
    const post = (body: BodyInit, headers: Record<string, string>) =>
      fetch(`${site.url}/telegram/webhook`, {
        method: 'POST',
        headers: { accept: 'application/json', ...secret, ...headers },
        body,
        duplex: 'half',
      } as RequestInit)
    const gzipped = gzipSync(JSON.stringify(textUpdate({ id: 507, first_name: 'Gus' }, '/start')))
    await expectStartReply(await post(gzipped, { 'content-type': 'application/json', 'content-encoding': 'gzip' }), 507)
    // No content-length: the body arrives in chunks of unknown total length.
    const chunked = new Blob([JSON.stringify(textUpdate({ id: 508, first_name: 'Chunk' }, '/start'))]).stream()
    await expectStartReply(await post(chunked, { 'content-type': 'application/json' }), 508)
    expect(
      (
        await post(JSON.stringify(textUpdate({ id: 509, first_name: 'Wide' }, '/start')), {
          'content-type': 'application/json; charset=latin1',
        })
      ).status,
    ).toBe(415)
    expect(
      (
        await post(JSON.stringify(textUpdate({ id: 509, first_name: 'Wide' }, '/start')), {
          'content-type': 'text/plain',
        })
      ).status,
    ).toBe(400)
    expect(await site.t.store.members.findByTelegramId(509)).toBeUndefined()
    // An empty JSON body is no update either (read as `{}`, as express.json() reads it).
    expect((await post('', { 'content-type': 'application/json' })).status).toBe(400)
  })

  it('matches its path as an Express route does, and leaves every other request to the site', async () => {
    const site = await startWebhookSite()
    await expectStartReply(
      await site.post(textUpdate({ id: 504, first_name: 'Ada' }, '/start'), { path: '/telegram/webhook/' }),
      504,
    )
    await expectStartReply(
      await site.post(textUpdate({ id: 505, first_name: 'Bob' }, '/start'), { path: '/Telegram/Webhook?from=test' }),
      505,
    )
    expect(
      (await site.post(textUpdate({ id: 506, first_name: 'Cy' }, '/start'), { path: '/telegram/webhooks' })).status,
    ).toBe(404)
    expect(
      (await fetch(`${site.url}/telegram/webhook`, { headers: { 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET } }))
        .status,
    ).toBe(404)
    expect((await fetch(`${site.url}/healthz`)).status).toBe(200)
    expect(await site.t.store.members.findByTelegramId(506)).toBeUndefined()
  })
})

describe('/start through the webhook', () => {
  it('clears the block of a member who had blocked the bot', async () => {
    const site = await startWebhookSite()
    const ada = { id: 510, first_name: 'Ada', username: 'ada_l' }
    await expectStartReply(await site.post(textUpdate(ada, '/start')), ada.id)
    // A later 403 (the member blocked the bot) took the permission away.
    await site.t.store.members.setCanDm(ada.id, false, site.t.now())
    expect((await site.t.store.members.findByTelegramId(ada.id))?.canDm).toBe(false)
    site.t.advance(60_000)
    await expectStartReply(await site.post(textUpdate(ada, '/start')), ada.id)
    expect((await site.t.store.members.findByTelegramId(ada.id))?.canDm).toBe(true)
    expect(updatedAt(site.t, ada.id)).toBe(Math.floor(site.t.now() / 1000))
  })

  it('writes nothing for a member already known as they are, and records a changed name', async () => {
    const site = await startWebhookSite()
    const ada = { id: 511, first_name: 'Ada', username: 'ada_l' }
    await expectStartReply(await site.post(textUpdate(ada, '/start')), ada.id)
    const firstWrite = updatedAt(site.t, ada.id)
    expect(firstWrite).toBe(Math.floor(site.t.now() / 1000))

    site.t.advance(60_000)
    await expectStartReply(await site.post(textUpdate(ada, '/start')), ada.id)
    expect(updatedAt(site.t, ada.id)).toBe(firstWrite)

    site.t.advance(60_000)
    await expectStartReply(await site.post(textUpdate({ ...ada, username: 'ada_lovelace' }, '/start')), ada.id)
    expect(updatedAt(site.t, ada.id)).toBe(Math.floor(site.t.now() / 1000))
    expect(await site.t.store.members.findByTelegramId(ada.id)).toMatchObject({ username: 'ada_lovelace', canDm: true })
  })
})

describe('conversations over the webhook', () => {
  it('touch their storage for an admin in a private chat only', async () => {
    const tg = await startTelegram()
    const admin = { id: tg.emulator.createUser({ firstName: 'Admin' }).id, first_name: 'Admin' }
    const member = { id: tg.emulator.createUser({ firstName: 'Ada' }).id, first_name: 'Ada' }
    const site = await startWebhookSite({ tg, admins: String(admin.id) })
    const storage = site.t.store.botStorage
    const keys: string[] = []
    const read = storage.read.bind(storage)
    const write = storage.write.bind(storage)
    storage.read = (key) => {
      keys.push(`read ${key}`)
      return read(key)
    }
    storage.write = (key, value, now) => {
      keys.push(`write ${key}`)
      return write(key, value, now)
    }

    // Telegram (the emulator) delivers to the webhook, as in production.
    await site.bot.api.setWebhook(`${site.url}/telegram/webhook`, { secret_token: WEBHOOK_SECRET })
    const botMessages = (chatId: number) => tg.emulator.chatHistory(chatId).filter((m) => m.from?.is_bot === true)
    const waitForReplies = (chatId: number, count: number) =>
      tg.emulator.waitForBotMessage(chatId, () => botMessages(chatId).length >= count)

    // A member's updates, commands or not, never reach the conversations plugin.
    for (const text of ['hello', '/start', '/help', '/rules']) await tg.emulator.sendText(member.id, text)
    await waitForReplies(member.id, 4)
    expect(botMessages(member.id).at(-1)?.text).toBe("This command is for the site's admins.")
    expect(keys).toEqual([])

    // An admin's /rules starts the conversation (stored under the admin's chat), their answer continues it.
    await tg.emulator.sendText(admin.id, '/rules')
    await waitForReplies(admin.id, 1)
    expect(botMessages(admin.id)[0]?.text).toContain('(no rules yet)')
    expect(keys.some((k) => k.startsWith('read ') && k.includes(String(admin.id)))).toBe(true)
    // The state is saved once the update's middleware is done, just after the reply went out.
    await eventually(() =>
      keys.some((k) => k.startsWith('write ') && k.includes(String(admin.id))) ? true : undefined,
    )
    await tg.emulator.sendText(admin.id, 'new')
    await waitForReplies(admin.id, 2)
    expect(botMessages(admin.id)[1]?.text).toContain('Which chat?')
    expect(keys.every((k) => k.includes(String(admin.id)))).toBe(true)
  })
})

import { GrammyError } from 'grammy'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { textUpdate } from '../support/updates.js'
import { startEmulator, type TestEmulator } from '../support/emulator.js'
import { eventually, freePort, startTestWebProcess, type TestWebProcess } from '../support/web-process.js'

const WEBHOOK_SECRET = 'webhook-secret-for-tests-0123'
const BOT_TOKEN = '7000001:AAbotTOKENforTESTSonlyNOTrealXXXX'
const BOT_USERNAME = 'karmagate_emulated_bot'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** The emulator as "Telegram" on its own port, and the web process configured with its token. */
async function startWithEmulator(
  env: Record<string, string> = {},
  limits?: { messagesPerSecond?: number; messagesPerChatPerSecond?: number },
): Promise<{ tg: TestEmulator; web: TestWebProcess }> {
  const tg = await startEmulator({ botToken: BOT_TOKEN, botUsername: BOT_USERNAME, ...(limits ? { limits } : {}) })
  cleanups.push(() => tg.close())
  // PUBLIC_URL must name the port the process will listen on, so login URLs lead back to it.
  const port = await freePort()
  const web = await startTestWebProcess({
    BOT_TOKEN,
    TELEGRAM_API_ROOT: tg.apiRoot,
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${String(port)}`,
    ...env,
  })
  cleanups.push(() => web.close())
  await web.botStarted
  return { tg, web }
}

/** Starts in webhook mode: PUBLIC_URL must be known before the process listens. */
async function startWebhookMode(): Promise<{ tg: TestEmulator; web: TestWebProcess; webhookUrl: string }> {
  const { tg, web } = await startWithEmulator({ BOT_MODE: 'webhook', WEBHOOK_SECRET })
  return { tg, web, webhookUrl: `${web.config.publicUrl}/telegram/webhook` }
}

describe('the bot over polling', () => {
  it('answers /start with a Seamless Login button carrying the exact login_url fields', async () => {
    const { tg, web } = await startWithEmulator()
    const ada = tg.emulator.createUser({ firstName: 'Ada', username: 'ada_l' })
    await tg.emulator.sendText(ada.id, '/start')
    const reply = await tg.emulator.waitForBotMessage(ada.id, (m) => m.reply_markup !== undefined)
    expect(reply.text).toMatch(/Welcome/)
    const button = reply.reply_markup?.inline_keyboard[0]?.[0]
    expect(button).toEqual({
      text: 'Log in to the site',
      login_url: {
        url: `${web.config.publicUrl}/auth/telegram`,
        forward_text: `Log in with @${BOT_USERNAME}`,
        bot_username: BOT_USERNAME,
        request_write_access: true,
      },
    })
    const member = await web.store.members.findByTelegramId(ada.id)
    expect(member).toMatchObject({ firstName: 'Ada', username: 'ada_l', canDm: true, lastLoginAt: null })
  })

  it('registered its commands and asked for the updates it handles', async () => {
    const { tg } = await startWithEmulator()
    expect(tg.emulator.commands().map((c) => c.command)).toEqual(['start', 'login', 'me', 'chats', 'help'])
    expect(tg.emulator.webhookInfo().url).toBe('')
  })

  it('answers /login in a group there, replying to the member', async () => {
    const { tg } = await startWithEmulator()
    const ada = tg.emulator.createUser({ firstName: 'Ada' })
    const group = tg.emulator.createSupergroup({ title: 'Team' })
    tg.emulator.addMember(group.id, tg.emulator.botId)
    tg.emulator.addMember(group.id, ada.id)
    await tg.emulator.sendText(ada.id, '/login', group.id)
    const reply = await tg.emulator.waitForBotMessage(group.id, (m) => m.reply_markup !== undefined)
    expect(reply.reply_markup?.inline_keyboard[0]?.[0]).toMatchObject({ login_url: { request_write_access: true } })
    expect(reply.reply_to_message?.from?.id).toBe(ada.id)
  })

  it('shows karma with /me after a login, and asks to log in before', async () => {
    const { tg, web } = await startWithEmulator()
    const ada = tg.emulator.createUser({ firstName: 'Ada' })
    await tg.emulator.sendText(ada.id, '/me')
    expect((await tg.emulator.waitForBotMessage(ada.id)).text).toMatch(/not logged in/)
    // Log in through the button, as a member would.
    await tg.emulator.sendText(ada.id, '/login')
    const withButton = await tg.emulator.waitForBotMessage(ada.id, (m) => m.reply_markup !== undefined)
    const prompt = tg.emulator.tapLoginButton(ada.id, ada.id, withButton.message_id, [0, 0])
    const url = tg.emulator.confirmLogin(prompt, { allowWrite: true })
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(302)
    await tg.emulator.sendText(ada.id, '/me')
    const me = await tg.emulator.waitForBotMessage(ada.id, (m) => m.text?.startsWith('Your karma') === true)
    expect(me.text).toContain('Your karma: 0')
    expect((await web.store.members.findByTelegramId(ada.id))?.lastLoginAt).not.toBeNull()
  })

  it('waits out a 429 for retry_after and still delivers the reply', async () => {
    const { tg } = await startWithEmulator({}, { messagesPerChatPerSecond: 1 })
    const ada = tg.emulator.createUser({ firstName: 'Ada' })
    await tg.emulator.sendText(ada.id, '/help')
    await tg.emulator.sendText(ada.id, '/help')
    await eventually(
      () => (tg.emulator.chatHistory(ada.id).filter((m) => m.from?.is_bot === true).length === 2 ? true : undefined),
      8000,
      'two replies',
    )
    expect(tg.emulator.stats().tooManyRequests).toBeGreaterThanOrEqual(1)
  })

  it('marks a member who blocked the bot, and /start clears it', async () => {
    const { tg, web } = await startWithEmulator()
    const ada = tg.emulator.createUser({ firstName: 'Ada' })
    await tg.emulator.sendText(ada.id, '/start')
    await tg.emulator.waitForBotMessage(ada.id)
    tg.emulator.blockBot(ada.id)
    await expect(web.bot.api.sendMessage(ada.id, 'Your karma went up')).rejects.toSatisfy(
      (e: unknown) => e instanceof GrammyError && e.error_code === 403,
    )
    expect((await web.store.members.findByTelegramId(ada.id))?.canDm).toBe(false)
    tg.emulator.unblockBot(ada.id)
    await tg.emulator.sendText(ada.id, '/start')
    await eventually(async () =>
      (await web.store.members.findByTelegramId(ada.id))?.canDm === true ? true : undefined,
    )
  })
})

describe('shutdown', () => {
  it('lets an update in flight finish before the database closes', async () => {
    const { tg, web } = await startWithEmulator()
    const ada = tg.emulator.createUser({ firstName: 'Ada' })
    const record = web.store.members.recordBotContact.bind(web.store.members)
    let entered!: () => void
    const handlerEntered = new Promise<void>((resolve) => {
      entered = resolve
    })
    // A slow /start: the stop request arrives while it runs.
    web.store.members.recordBotContact = async (contact, now) => {
      entered()
      await new Promise((resolve) => setTimeout(resolve, 300))
      return record(contact, now)
    }
    await tg.emulator.sendText(ada.id, '/start')
    await handlerEntered
    await web.stop()
    expect(
      tg.emulator.chatHistory(ada.id).some((m) => m.from?.is_bot === true && m.text?.startsWith('Welcome') === true),
    ).toBe(true)
    await expect(web.store.ping()).rejects.toThrow()
  })
})

describe('the bot over a webhook', () => {
  it('registers the webhook with its secret and allowed updates, and answers through it', async () => {
    const { tg, webhookUrl } = await startWebhookMode()
    const info = tg.emulator.webhookInfo()
    expect(info.url).toBe(webhookUrl)
    expect(info.allowed_updates).toEqual([
      'message',
      'callback_query',
      'chat_join_request',
      'chat_member',
      'my_chat_member',
    ])
    const ada = tg.emulator.createUser({ firstName: 'Ada' })
    await tg.emulator.sendText(ada.id, '/start')
    const reply = await tg.emulator.waitForBotMessage(ada.id, (m) => m.reply_markup !== undefined)
    expect(reply.reply_markup?.inline_keyboard[0]?.[0]).toMatchObject({ login_url: { bot_username: BOT_USERNAME } })
  })

  it('refuses an update without the secret header, or with a wrong one, and runs nothing', async () => {
    const { web, webhookUrl } = await startWebhookMode()
    const post = (headers: Record<string, string>) =>
      fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(textUpdate({ id: 555, first_name: 'Eve' }, '/start', 900)),
      })
    expect((await post({})).status).toBe(401)
    expect((await post({ 'x-telegram-bot-api-secret-token': 'wrong-secret-0123456789' })).status).toBe(401)
    expect((await post({ 'x-telegram-bot-api-secret-token': `${WEBHOOK_SECRET}x` })).status).toBe(401)
    expect(await web.store.members.findByTelegramId(555)).toBeUndefined()
  })

  it('answers a handler failure with 200 and logs it, so Telegram does not redeliver', async () => {
    const { web, webhookUrl } = await startWebhookMode()
    // A database failure inside the /start handler.
    web.store.members.recordBotContact = () => Promise.reject(new Error('disk I/O error'))
    const res = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET },
      body: JSON.stringify(textUpdate({ id: 556, first_name: 'Bob' }, '/start', 901)),
    })
    expect(res.status).toBe(200)
    expect(web.logs.text).toContain('bot handler failed')
    expect(web.logs.text).toContain('disk I/O error')
  })

  it('answers a body that is not an update with 400', async () => {
    const { webhookUrl } = await startWebhookMode()
    const res = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET },
      body: JSON.stringify({ hello: 'world' }),
    })
    expect(res.status).toBe(400)
  })
})

describe('logs', () => {
  it('report a polling failure through the logger, never the token, and print nothing to the console', async () => {
    const { tg, web } = await startWithEmulator()
    const printed: string[] = []
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      printed.push(args.map(String).join(' '))
    })
    try {
      await tg.close()
      await eventually(
        () => (web.logs.text.includes('fetching updates failed') ? true : undefined),
        8000,
        'a polling failure',
      )
    } finally {
      spy.mockRestore()
    }
    expect(printed.join('\n')).not.toContain(BOT_TOKEN)
    expect(printed).toEqual([])
    expect(web.logs.text).not.toContain(BOT_TOKEN)
  })

  it('never contain the bot token, even when the Bot API is unreachable', async () => {
    const web = await startTestWebProcess({ BOT_TOKEN, BOT_USERNAME, TELEGRAM_API_ROOT: 'http://127.0.0.1:9' })
    cleanups.push(() => web.close())
    await eventually(() => (web.logs.text.includes('bot could not start') ? true : undefined), 5000, 'a start failure')
    expect(web.logs.text).not.toContain(BOT_TOKEN)
    expect(web.logs.text).not.toContain(BOT_TOKEN.split(':')[1])
  })
})

/**
 * The Telegram emulator driven by grammY over real HTTP: the Bot API's shapes, errors and
 * limits, updates by long polling and by webhook, Seamless Login, and supergroup membership.
 */
import { Api, Bot, GrammyError, InlineKeyboard } from 'grammy'
import type { Update } from 'grammy/types'
import { afterEach, describe, expect, it } from 'vitest'
import { createLoginVerifier } from '../../src/login/verify.js'
import { SandboxError } from '../../src/sandbox/errors.js'
import { manualClock, type RunningEmulator, startEmulator, startRecordingServer } from '../support/emulator.js'
import { TEST_BOT_TOKEN, TEST_BOT_USERNAME } from '../support/site.js'

const running: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()))
})

/**
 * An emulator with a grammY `Api` on it. Tests of other things lift the per-chat limit (one
 * message a second), which a reply followed by an edit would otherwise hit.
 */
async function start(options: Parameters<typeof startEmulator>[0] = {}): Promise<RunningEmulator & { api: Api }> {
  const emu = await startEmulator({ limits: { messagesPerChatPerSecond: 1000 }, ...options })
  running.push(emu)
  return { ...emu, api: new Api(emu.token, { apiRoot: emu.apiRoot }) }
}

/** Asserts that `call` fails with Telegram's `code` and `description`; returns the error. */
async function apiError(call: Promise<unknown>, code: number, description: string | RegExp): Promise<GrammyError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(GrammyError)
  const grammyError = error as GrammyError
  expect(grammyError.error_code).toBe(code)
  if (typeof description === 'string') expect(grammyError.description).toBe(description)
  else expect(grammyError.description).toMatch(description)
  return grammyError
}

/** Raw HTTP against the emulated Bot API. */
async function raw(url: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, init)
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const ALL_RIGHTS = { can_invite_users: true, can_restrict_members: true }

describe('the Bot API surface', () => {
  it('answers getMe for the bot, 401 for another token, 404 for an unknown method, over POST, GET and forms', async () => {
    const { api, apiRoot } = await start({ botFirstName: 'Test Sandbox' })
    const me = await api.getMe()
    expect(me).toMatchObject({
      id: 123456789,
      is_bot: true,
      first_name: 'Test Sandbox',
      username: TEST_BOT_USERNAME,
      can_join_groups: true,
    })

    expect(await raw(`${apiRoot}/bot123456789:wrong/getMe`)).toEqual({
      status: 401,
      body: { ok: false, error_code: 401, description: 'Unauthorized' },
    })
    expect(await raw(`${apiRoot}/bot${TEST_BOT_TOKEN}/noSuchMethod`)).toEqual({
      status: 404,
      body: { ok: false, error_code: 404, description: 'Not Found' },
    })
    expect((await raw(`${apiRoot}/elsewhere`)).status).toBe(404)
    // Method names ignore case, as Telegram's do; GET with query parameters works.
    const get = await raw(`${apiRoot}/bot${TEST_BOT_TOKEN}/getme`)
    expect(get).toMatchObject({ status: 200, body: { ok: true, result: { username: TEST_BOT_USERNAME } } })
    const form = await raw(`${apiRoot}/bot${TEST_BOT_TOKEN}/setMyCommands`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ commands: JSON.stringify([{ command: 'start', description: 'Begin' }]) }).toString(),
    })
    expect(form).toEqual({ status: 200, body: { ok: true, result: true } })
    expect(await api.getMyCommands()).toEqual([{ command: 'start', description: 'Begin' }])
    expect(
      (
        await raw(`${apiRoot}/bot${TEST_BOT_TOKEN}/getMe`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{oops',
        })
      ).status,
    ).toBe(400)
    await apiError(
      api.setMyCommands([{ command: 'Bad Command', description: 'x' }]),
      400,
      'Bad Request: BOT_COMMAND_INVALID',
    )
  })

  it("sends messages with inline keyboards in Telegram's shapes and keeps both directions in the history", async () => {
    const { api, emulator } = await start()
    const ada = emulator.createUser({ firstName: 'Ada', lastName: 'Lovelace', username: 'ada_l' })
    expect(ada.id).toBe(100001)
    const hello = await emulator.sendText(ada.id, '/start hello')
    expect(hello).toMatchObject({
      message_id: 1,
      text: '/start hello',
      chat: { id: ada.id, type: 'private', first_name: 'Ada' },
      from: { id: ada.id, is_bot: false },
    })
    expect(hello.entities).toEqual([{ type: 'bot_command', offset: 0, length: 6 }])

    const keyboard = new InlineKeyboard()
      .url('Site', 'https://example.com/')
      .text('Karma', 'karma')
      .row()
      .login('Log in', { url: 'https://example.com/auth/telegram', request_write_access: true })
    const sent = await api.sendMessage(ada.id, '<b>Hello</b> &amp; welcome', {
      parse_mode: 'HTML',
      reply_markup: keyboard,
    })
    expect(sent).toMatchObject({
      message_id: 2,
      chat: { id: ada.id, type: 'private' },
      from: { id: 123456789, is_bot: true, username: TEST_BOT_USERNAME },
      text: 'Hello & welcome',
      entities: [{ type: 'bold', offset: 0, length: 5 }],
      reply_markup: {
        inline_keyboard: [
          [
            { text: 'Site', url: 'https://example.com/' },
            { text: 'Karma', callback_data: 'karma' },
          ],
          [{ text: 'Log in', login_url: { url: 'https://example.com/auth/telegram', request_write_access: true } }],
        ],
      },
    })
    expect(typeof sent.date).toBe('number')
    expect((await emulator.waitForBotMessage(ada.id)).message_id).toBe(2)

    const edited = await api.editMessageText(ada.id, sent.message_id, 'Edited')
    expect(edited).toMatchObject({ text: 'Edited', message_id: 2 })
    expect((edited as { reply_markup?: unknown }).reply_markup).toBeUndefined()
    expect(emulator.chatHistory(ada.id).map((m) => [m.from?.is_bot, m.text])).toEqual([
      [false, '/start hello'],
      [true, 'Edited'],
    ])
  })

  it("refuses bad messages with Telegram's 400 descriptions", async () => {
    const { api, emulator } = await start()
    const ada = emulator.createUser({ firstName: 'Ada' })
    await emulator.sendText(ada.id, 'hi')
    await apiError(api.sendMessage(ada.id, ''), 400, 'Bad Request: message text is empty')
    await apiError(api.sendMessage(ada.id, 'x'.repeat(4097)), 400, 'Bad Request: message is too long')
    await apiError(api.sendMessage(999, 'hi'), 400, 'Bad Request: chat not found')
    await apiError(
      api.sendMessage(ada.id, '<b>open', { parse_mode: 'HTML' }),
      400,
      /^Bad Request: can't parse entities: /,
    )
    await apiError(
      api.sendMessage(ada.id, 'x', {
        reply_markup: { inline_keyboard: [[{ text: 'Go', login_url: { url: 'javascript:alert(1)' } }]] },
      }),
      400,
      'Bad Request: BUTTON_URL_INVALID',
    )
    await apiError(
      api.sendMessage(ada.id, 'x', {
        reply_markup: { inline_keyboard: [[{ text: 'D', callback_data: 'd'.repeat(65) }]] },
      }),
      400,
      'Bad Request: BUTTON_DATA_INVALID',
    )
    const sent = await api.sendMessage(ada.id, 'same')
    await apiError(api.editMessageText(ada.id, sent.message_id, 'same'), 400, /^Bad Request: message is not modified/)
    await apiError(api.editMessageText(ada.id, 999, 'x'), 400, 'Bad Request: message to edit not found')
    await apiError(api.editMessageText(ada.id, 1, 'x'), 400, "Bad Request: message can't be edited")
    await apiError(
      api.answerCallbackQuery('123'),
      400,
      'Bad Request: query is too old and response timeout expired or query ID is invalid',
    )
  })

  it('is 403 for a user who blocked the bot or never wrote to it', async () => {
    const { api, emulator } = await start()
    const ada = emulator.createUser({ firstName: 'Ada' })
    await apiError(api.sendMessage(ada.id, 'hi'), 403, "Forbidden: bot can't initiate conversation with a user")
    await emulator.sendText(ada.id, '/start')
    await api.sendMessage(ada.id, 'hi')
    emulator.blockBot(ada.id)
    await apiError(api.sendMessage(ada.id, 'again'), 403, 'Forbidden: bot was blocked by the user')
    await expect(emulator.sendText(ada.id, 'hello?')).rejects.toMatchObject({
      name: 'SandboxError',
      code: 'bot_blocked',
    })
    emulator.unblockBot(ada.id)
    await api.sendMessage(ada.id, 'welcome back')
    await apiError(api.sendMessage(123456789, 'me'), 403, "Forbidden: bot can't send messages to bots")
  })

  it('is 429 with retry_after past 1 message/s in a chat and 30/s overall, on the injected clock', async () => {
    const clock = manualClock()
    const { api, emulator } = await start({ clock: clock.now, limits: {} })
    const users = Array.from({ length: 31 }, (_, i) => emulator.createUser({ firstName: `U${String(i)}` }))
    for (const user of users) await emulator.sendText(user.id, '/start')

    const first = users[0]!
    await api.sendMessage(first.id, 'one')
    const perChat = await apiError(api.sendMessage(first.id, 'two'), 429, 'Too Many Requests: retry after 1')
    expect(perChat.parameters.retry_after).toBe(1)
    // An edit counts too.
    await apiError(api.editMessageText(first.id, 2, 'one!'), 429, 'Too Many Requests: retry after 1')
    clock.advance(1000)
    await api.sendMessage(first.id, 'two')

    // 29 more chats fill the overall window (30 with the message above); the 31st waits.
    for (const user of users.slice(1, 30)) await api.sendMessage(user.id, 'hi')
    const overall = await apiError(api.sendMessage(users[30]!.id, 'hi'), 429, 'Too Many Requests: retry after 1')
    expect(overall.parameters.retry_after).toBe(1)
    clock.advance(999)
    await apiError(api.sendMessage(users[30]!.id, 'hi'), 429, /retry after 1$/)
    clock.advance(1)
    await api.sendMessage(users[30]!.id, 'hi')
  })

  it('honours configured limits and reports whole seconds until a slot frees', async () => {
    const clock = manualClock()
    const { api, emulator } = await start({
      clock: clock.now,
      limits: { messagesPerSecond: 100, messagesPerChatPerSecond: 3 },
    })
    const ada = emulator.createUser({ firstName: 'Ada' })
    await emulator.sendText(ada.id, '/start')
    for (let i = 0; i < 3; i++) await api.sendMessage(ada.id, `m${String(i)}`)
    await apiError(api.sendMessage(ada.id, 'm3'), 429, 'Too Many Requests: retry after 1')
  })
})

describe('Seamless Login', () => {
  it("round-trips a login_url button into a URL the site's verifier accepts, keeping the URL's own query", async () => {
    const clock = manualClock()
    const { api, emulator } = await start({ clock: clock.now, loginDomain: 'karma.example.com' })
    const ada = emulator.createUser({ firstName: 'Ada', lastName: 'Lovelace', username: 'ada_l' })
    await emulator.sendText(ada.id, '/start')
    const sent = await api.sendMessage(ada.id, 'Log in to the site', {
      reply_markup: new InlineKeyboard().login('Open karmagate', {
        url: 'https://karma.example.com/auth/telegram?from=bot',
        request_write_access: true,
      }),
    })

    const prompt = emulator.tapLoginButton(ada.id, ada.id, sent.message_id, 'Open karmagate')
    expect(prompt).toMatchObject({
      botUsername: TEST_BOT_USERNAME,
      botName: 'Karmagate Sandbox',
      domain: 'karma.example.com',
      requestWriteAccess: true,
      userName: 'Ada Lovelace',
    })
    expect(emulator.tapLoginButton(ada.id, ada.id, sent.message_id, [0, 0]).domain).toBe('karma.example.com')

    const url = new URL(emulator.confirmLogin(prompt, { allowWrite: true }))
    expect(url.origin + url.pathname).toBe('https://karma.example.com/auth/telegram')
    expect(url.searchParams.get('from')).toBe('bot')
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      id: String(ada.id),
      first_name: 'Ada',
      last_name: 'Lovelace',
      username: 'ada_l',
      auth_date: String(Math.floor(clock.now() / 1000)),
    })

    // Telegram signs only its own fields; the site gets exactly those.
    const signed = new URLSearchParams(url.search)
    signed.delete('from')
    const verifier = createLoginVerifier({ botToken: TEST_BOT_TOKEN, maxAgeSeconds: 600 })
    const result = verifier.verify(signed.toString(), Math.floor(clock.now() / 1000))
    expect(result).toMatchObject({ ok: true, login: { telegramId: ada.id, firstName: 'Ada', username: 'ada_l' } })
    expect(verifier.verify(url.search.slice(1), Math.floor(clock.now() / 1000))).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    })
    // A prompt is used once.
    expect(() => emulator.confirmLogin(prompt, { allowWrite: true })).toThrow(SandboxError)
  })

  it('lets the bot write first only to a member who allowed it when logging in', async () => {
    const { api, emulator } = await start()
    const ada = emulator.createUser({ firstName: 'Ada' })
    const grace = emulator.createUser({ firstName: 'Grace' })
    const alan = emulator.createUser({ firstName: 'Alan' })
    await emulator.sendText(ada.id, '/start')
    const sent = await api.sendMessage(ada.id, 'x', {
      reply_markup: new InlineKeyboard().login('Log in', {
        url: 'http://127.0.0.1:9/auth',
        request_write_access: true,
      }),
    })
    // Grace and Alan log in from a message the bot sent to a group they are both in.
    const group = emulator.createSupergroup({ title: 'Club' })
    emulator.addMember(group.id, 123456789)
    emulator.addMember(group.id, grace.id)
    emulator.addMember(group.id, alan.id)
    const post = await api.sendMessage(group.id, 'Log in here', { reply_markup: sent.reply_markup! })
    const url = emulator.confirmLogin(emulator.tapLoginButton(grace.id, group.id, post.message_id, 'Log in'), {
      allowWrite: true,
    })
    expect(new URL(url).searchParams.get('id')).toBe(String(grace.id))
    emulator.confirmLogin(emulator.tapLoginButton(alan.id, group.id, post.message_id, 'Log in'), { allowWrite: false })

    await api.sendMessage(grace.id, 'Thanks for logging in')
    await apiError(api.sendMessage(alan.id, 'Hello?'), 403, "Forbidden: bot can't initiate conversation with a user")
    expect(emulator.user(grace.id)?.allowsWriteToPm).toBe(true)
  })

  it('says "Bot domain invalid" for a host other than the login domain, and refuses another bot', async () => {
    const { api, emulator } = await start({ loginDomain: 'karma.example.com' })
    const ada = emulator.createUser({ firstName: 'Ada' })
    await emulator.sendText(ada.id, '/start')
    const sent = await api.sendMessage(ada.id, 'x', {
      reply_markup: new InlineKeyboard()
        .login('Elsewhere', 'https://evil.example.net/auth')
        .login('Other bot', { url: 'https://karma.example.com/auth', bot_username: 'other_bot' }),
    })
    const tap = (text: string) => () => emulator.tapLoginButton(ada.id, ada.id, sent.message_id, text)
    expect(tap('Elsewhere')).toThrow(
      expect.objectContaining({ code: 'bot_domain_invalid', message: 'Bot domain invalid' }) as Error,
    )
    expect(tap('Other bot')).toThrow(expect.objectContaining({ code: 'bot_invalid' }) as Error)
    expect(tap('Missing')).toThrow(expect.objectContaining({ code: 'button_not_found' }) as Error)
    // Another user cannot press buttons in Ada's chat.
    const eve = emulator.createUser({ firstName: 'Eve' })
    expect(() => emulator.tapLoginButton(eve.id, ada.id, sent.message_id, 'Elsewhere')).toThrow(
      expect.objectContaining({ code: 'chat_not_found' }) as Error,
    )
  })
})

describe('updates by long polling', () => {
  it('wakes a long poll on a new update, drops confirmed ones by offset, and keeps the last N on a negative offset', async () => {
    const { api, emulator } = await start()
    const ada = emulator.createUser({ firstName: 'Ada' })
    expect(await api.getUpdates({ timeout: 0 })).toEqual([])

    const started = Date.now()
    const poll = api.getUpdates({ timeout: 10 })
    setTimeout(() => void emulator.sendText(ada.id, 'first'), 100)
    const [update, ...rest] = await poll
    expect(Date.now() - started).toBeLessThan(5000)
    expect(rest).toEqual([])
    expect(update?.message?.text).toBe('first')

    // Not confirmed yet: delivered again.
    expect((await api.getUpdates({ timeout: 0 })).map((u) => u.update_id)).toEqual([update!.update_id])
    await emulator.sendText(ada.id, 'second')
    await emulator.sendText(ada.id, 'third')
    const next = await api.getUpdates({ offset: update!.update_id + 1, limit: 1 })
    expect(next.map((u) => u.message?.text)).toEqual(['second'])
    expect((await api.getUpdates({ offset: -1 })).map((u) => u.message?.text)).toEqual(['third'])
    expect(await api.getUpdates({ offset: next[0]!.update_id + 2, timeout: 0 })).toEqual([])
    expect(emulator.pendingUpdateCount()).toBe(0)
  })

  it('leaves chat_member out unless allowed_updates asks for it', async () => {
    const { api, emulator } = await start()
    const ada = emulator.createUser({ firstName: 'Ada' })
    const group = emulator.createSupergroup({ title: 'Club' })
    emulator.setBotAdmin(group.id, ALL_RIGHTS)
    emulator.addMember(group.id, ada.id)
    const kinds = (updates: Update[]) => updates.map((u) => Object.keys(u).find((k) => k !== 'update_id'))
    const first = await api.getUpdates()
    expect(kinds(first)).toEqual(['my_chat_member'])
    await api.getUpdates({ offset: first[0]!.update_id + 1, allowed_updates: ['chat_member', 'message'] })
    emulator.leaveChat(group.id, ada.id)
    await emulator.sendText(ada.id, 'hi')
    emulator.blockBot(ada.id)
    const second = await api.getUpdates()
    // my_chat_member is now left out: allowed_updates persists until changed.
    expect(kinds(second)).toEqual(['chat_member', 'message'])
    expect(second[0]?.chat_member).toMatchObject({
      chat: { id: group.id, type: 'supergroup' },
      old_chat_member: { status: 'member' },
      new_chat_member: { status: 'left', user: { id: ada.id } },
    })
  })

  it('ends a waiting poll with 409 when another starts, and refuses getUpdates while a webhook is set', async () => {
    const { api } = await start()
    const waiting = api.getUpdates({ timeout: 10 })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(await api.getUpdates({ timeout: 0 })).toEqual([])
    await apiError(
      waiting,
      409,
      'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    )

    await api.setWebhook('http://127.0.0.1:9/hook')
    await apiError(
      api.getUpdates(),
      409,
      "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    )
    await api.deleteWebhook()
    expect(await api.getUpdates()).toEqual([])
  })

  it('serves a real grammY bot polling with bot.start(): commands, login buttons and callback answers', async () => {
    const { emulator, apiRoot, token } = await start()
    const bot = new Bot(token, { client: { apiRoot } })
    bot.command('start', (ctx) =>
      ctx.reply(`Hello, ${ctx.from?.first_name ?? 'stranger'}`, {
        reply_markup: new InlineKeyboard()
          .login('Log in', { url: 'https://example.com/auth', request_write_access: true })
          .text('Karma', 'karma'),
      }),
    )
    bot.callbackQuery('karma', async (ctx) => {
      await ctx.answerCallbackQuery({ text: 'You have 10 karma' })
      await ctx.editMessageText('Karma: 10')
    })
    let started: () => void = () => undefined
    const ready = new Promise<void>((resolve) => {
      started = resolve
    })
    const polling = bot.start({
      onStart: () => {
        started()
      },
    })
    await ready
    try {
      const ada = emulator.createUser({ firstName: 'Ada' })
      await emulator.sendText(ada.id, '/start')
      const reply = await emulator.waitForBotMessage(ada.id)
      expect(reply.text).toBe('Hello, Ada')
      expect(reply.reply_markup?.inline_keyboard[0]?.[0]).toEqual({
        text: 'Log in',
        login_url: { url: 'https://example.com/auth', request_write_access: true },
      })

      const answer = await emulator.pressCallbackButton(ada.id, ada.id, reply.message_id, 'karma')
      expect(answer).toEqual({ text: 'You have 10 karma', showAlert: false })
      const edited = await emulator.waitForBotMessage(ada.id, (m) => m.text === 'Karma: 10')
      expect(edited.message_id).toBe(reply.message_id)
      expect(edited.edit_date).toBeTypeOf('number')
      await expect(emulator.pressCallbackButton(ada.id, ada.id, reply.message_id, 'nope')).rejects.toMatchObject({
        code: 'button_not_found',
      })
    } finally {
      await bot.stop()
      await polling
    }
  })
})

describe('updates by webhook', () => {
  it('posts updates in order with the secret header, keeps and redelivers an update after a 500, and reports the error', async () => {
    const receiver = await startRecordingServer((index) => (index === 1 ? 500 : 200))
    running.push(receiver)
    const clock = manualClock()
    const { api, emulator } = await start({ clock: clock.now, webhookRetry: { initialDelayMs: 50, maxDelayMs: 200 } })
    const ada = emulator.createUser({ firstName: 'Ada' })
    await emulator.sendText(ada.id, 'queued before the webhook')
    await api.setWebhook(`${receiver.url}/hook`, { secret_token: 'S3cret_token-1' })
    await emulator.sendText(ada.id, 'second')
    await emulator.sendText(ada.id, 'third')

    await expect.poll(() => receiver.requests.length, { timeout: 5000 }).toBe(4)
    const texts = receiver.requests.map((r) => (r.body as Update).message?.text)
    // The 500 on the second delivery makes it come again, before the third: nothing lost or reordered.
    expect(texts).toEqual(['queued before the webhook', 'second', 'second', 'third'])
    const ids = receiver.requests.map((r) => (r.body as Update).update_id)
    expect(ids[1]).toBe(ids[2])
    expect(ids[3]).toBe(ids[0]! + 2)
    for (const request of receiver.requests) {
      expect(request.path).toBe('/hook')
      expect(request.headers['x-telegram-bot-api-secret-token']).toBe('S3cret_token-1')
      expect(request.headers['content-type']).toMatch(/^application\/json/)
    }
    const info = await api.getWebhookInfo()
    expect(info).toMatchObject({
      url: `${receiver.url}/hook`,
      pending_update_count: 0,
      last_error_message: 'Wrong response from the webhook: 500 Internal Server Error',
      last_error_date: Math.floor(clock.now() / 1000),
    })

    await api.deleteWebhook()
    expect(await api.getWebhookInfo()).toMatchObject({ url: '', pending_update_count: 0 })
    await apiError(
      api.setWebhook('ftp://example.com/'),
      400,
      'Bad Request: bad webhook: An HTTPS URL must be provided for webhook',
    )
    await apiError(
      api.setWebhook(`${receiver.url}/hook`, { secret_token: 'no spaces' }),
      400,
      'Bad Request: secret token contains unallowed characters',
    )
  })

  it('keeps updates while the webhook is down and drops them on drop_pending_updates', async () => {
    const { api, emulator } = await start({ webhookRetry: { initialDelayMs: 20, maxDelayMs: 50 } })
    const ada = emulator.createUser({ firstName: 'Ada' })
    await api.setWebhook('http://127.0.0.1:9/down')
    await emulator.sendText(ada.id, 'one')
    await emulator.sendText(ada.id, 'two')
    await expect.poll(async () => (await api.getWebhookInfo()).last_error_message, { timeout: 5000 }).toBeDefined()
    expect((await api.getWebhookInfo()).pending_update_count).toBe(2)
    await api.deleteWebhook()
    expect((await api.getUpdates()).map((u) => u.message?.text)).toEqual(['one', 'two'])
    await api.deleteWebhook({ drop_pending_updates: true })
    expect(await api.getUpdates()).toEqual([])
  })
})

describe('supergroups', () => {
  async function club(rights: Parameters<RunningEmulator['emulator']['setBotAdmin']>[1] = ALL_RIGHTS) {
    const emu = await start()
    const group = emu.emulator.createSupergroup({ title: 'Webmasters', description: 'For webmasters' })
    emu.emulator.setBotAdmin(group.id, rights)
    await emu.api.getUpdates({
      allowed_updates: ['message', 'callback_query', 'chat_join_request', 'chat_member', 'my_chat_member'],
    })
    return { ...emu, group }
  }

  async function drain(api: Api): Promise<Update[]> {
    const updates = await api.getUpdates()
    if (updates.length > 0) await api.getUpdates({ offset: updates.at(-1)!.update_id + 1 })
    return updates
  }

  it('gives supergroups -100 ids and tells the bot it became an administrator', async () => {
    const { api, emulator, group } = await club()
    expect(String(group.id)).toMatch(/^-100\d{10}$/)
    const [update] = await drain(api)
    expect(update?.my_chat_member).toMatchObject({
      chat: { id: group.id, type: 'supergroup', title: 'Webmasters' },
      old_chat_member: { status: 'left' },
      new_chat_member: {
        status: 'administrator',
        can_invite_users: true,
        can_restrict_members: true,
        user: { id: 123456789 },
      },
    })
    expect(await api.getChat(group.id)).toMatchObject({
      id: group.id,
      type: 'supergroup',
      title: 'Webmasters',
      description: 'For webmasters',
    })
    expect(await api.getChatMember(group.id, 123456789)).toMatchObject({ status: 'administrator' })
    const owner = emulator.chatMembers(group.id).find((m) => m.status === 'creator')
    expect(owner?.user.first_name).toBe('Sandbox')
  })

  it('approves and declines join requests made through a join-request link', async () => {
    const { api, emulator, group } = await club()
    await drain(api)
    const ada = emulator.createUser({ firstName: 'Ada' })
    const bob = emulator.createUser({ firstName: 'Bob' })
    const link = await api.createChatInviteLink(group.id, { creates_join_request: true, name: 'karma' })
    expect(link).toMatchObject({
      creates_join_request: true,
      name: 'karma',
      is_primary: false,
      is_revoked: false,
      creator: { id: 123456789 },
    })
    expect(link.invite_link).toMatch(/^https:\/\/t\.me\/\+[A-Za-z0-9_-]+$/)
    await apiError(
      api.createChatInviteLink(group.id, { creates_join_request: true, member_limit: 5 }),
      400,
      /^Bad Request: member limit can't be specified/,
    )

    expect(emulator.requestToJoin(ada.id, link.invite_link)).toBe('requested')
    expect(emulator.requestToJoin(bob.id, link.invite_link)).toBe('requested')
    const requests = await drain(api)
    expect(requests.map((u) => u.chat_join_request?.from.id)).toEqual([ada.id, bob.id])
    expect(requests[0]?.chat_join_request).toMatchObject({
      chat: { id: group.id },
      user_chat_id: ada.id,
      invite_link: { invite_link: link.invite_link },
    })

    // A pending request lets the bot write to the user first.
    await api.sendMessage(ada.id, 'Your request is being reviewed')
    await api.approveChatJoinRequest(group.id, ada.id)
    await api.declineChatJoinRequest(group.id, bob.id)
    await apiError(api.approveChatJoinRequest(group.id, bob.id), 400, 'Bad Request: HIDE_REQUESTER_MISSING')
    await apiError(api.declineChatJoinRequest(group.id, ada.id), 400, 'Bad Request: HIDE_REQUESTER_MISSING')
    expect(emulator.memberStatus(group.id, ada.id)).toBe('member')
    expect(emulator.memberStatus(group.id, bob.id)).toBe('left')
    const joined = await drain(api)
    expect(joined).toHaveLength(1)
    expect(joined[0]?.chat_member).toMatchObject({
      new_chat_member: { status: 'member', user: { id: ada.id } },
      via_join_request: true,
      invite_link: { invite_link: link.invite_link },
    })
    expect(() => emulator.requestToJoin(ada.id, link.invite_link)).toThrow(
      expect.objectContaining({ code: 'already_member' }) as Error,
    )
  })

  it('joins directly through a plain link, honouring member_limit and expiry', async () => {
    const { api, emulator, group } = await club()
    await drain(api)
    const [ada, bob] = [emulator.createUser({ firstName: 'Ada' }), emulator.createUser({ firstName: 'Bob' })]
    const link = await api.createChatInviteLink(group.id, { member_limit: 1 })
    expect(emulator.requestToJoin(ada.id, link.invite_link)).toBe('joined')
    expect(() => emulator.requestToJoin(bob.id, link.invite_link)).toThrow(
      expect.objectContaining({ code: 'invite_link_expired' }) as Error,
    )
    expect(() => emulator.requestToJoin(bob.id, 'https://t.me/+doesnotexist')).toThrow(
      expect.objectContaining({ code: 'invite_link_invalid' }) as Error,
    )
    const [update] = await drain(api)
    expect(update?.chat_member).toMatchObject({
      from: { id: ada.id },
      new_chat_member: { status: 'member' },
      invite_link: { invite_link: link.invite_link },
    })
    expect(update?.chat_member?.via_join_request).toBeUndefined()
  })

  it('bans and unbans with only_if_banned, never the owner or an administrator', async () => {
    const { api, emulator, group } = await club()
    const ada = emulator.createUser({ firstName: 'Ada' })
    emulator.addMember(group.id, ada.id)
    await drain(api)

    // only_if_banned leaves a member in place.
    await api.unbanChatMember(group.id, ada.id, { only_if_banned: true })
    expect(emulator.memberStatus(group.id, ada.id)).toBe('member')
    expect(await drain(api)).toEqual([])

    // A kick: ban, then unban only if banned; the member may come back later.
    await api.banChatMember(group.id, ada.id, { revoke_messages: false })
    expect(await api.getChatMember(group.id, ada.id)).toMatchObject({ status: 'kicked', until_date: 0 })
    await api.unbanChatMember(group.id, ada.id, { only_if_banned: true })
    expect(emulator.memberStatus(group.id, ada.id)).toBe('left')
    const statuses = (await drain(api)).map((u) => [
      u.chat_member?.old_chat_member.status,
      u.chat_member?.new_chat_member.status,
    ])
    expect(statuses).toEqual([
      ['member', 'kicked'],
      ['kicked', 'left'],
    ])

    // Without only_if_banned, unban removes a member.
    emulator.addMember(group.id, ada.id)
    await api.unbanChatMember(group.id, ada.id)
    expect(emulator.memberStatus(group.id, ada.id)).toBe('left')

    const owner = emulator.chatMembers(group.id).find((m) => m.status === 'creator')!.user.id
    await apiError(api.banChatMember(group.id, owner), 400, "Bad Request: can't remove chat owner")
    await apiError(api.banChatMember(group.id, 123456789), 400, 'Bad Request: user is an administrator of the chat')
    await apiError(
      api.banChatMember(ada.id, ada.id),
      400,
      'Bad Request: method is available for supergroup and channel chats only',
    )
    await apiError(api.banChatMember(-1009999999999, ada.id), 400, 'Bad Request: chat not found')
  })

  it('requires the bot to be an administrator with the right rights', async () => {
    const { api, emulator, group } = await club({ can_invite_users: false, can_restrict_members: false })
    const ada = emulator.createUser({ firstName: 'Ada' })
    emulator.addMember(group.id, ada.id)
    await apiError(api.createChatInviteLink(group.id), 400, 'Bad Request: not enough rights to manage chat invite link')
    await apiError(
      api.banChatMember(group.id, ada.id),
      400,
      'Bad Request: not enough rights to restrict/unrestrict chat member',
    )
    await apiError(
      api.unbanChatMember(group.id, ada.id),
      400,
      'Bad Request: not enough rights to restrict/unrestrict chat member',
    )
    await apiError(api.approveChatJoinRequest(group.id, ada.id), 400, /^Bad Request: /)

    emulator.setBotAdmin(group.id, null)
    await apiError(api.createChatInviteLink(group.id), 400, 'Bad Request: not enough rights to manage chat invite link')
    emulator.leaveChat(group.id, 123456789)
    await apiError(api.createChatInviteLink(group.id), 403, 'Forbidden: bot is not a member of the supergroup chat')
    await apiError(api.sendMessage(group.id, 'hi'), 403, 'Forbidden: bot is not a member of the supergroup chat')
  })
})

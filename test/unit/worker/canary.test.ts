import type { tl } from '@mtcute/node'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { CanaryError } from '../../../src/worker/canary/errors.js'
import { redactedUrl, runLoginCanary } from '../../../src/worker/canary/run.js'
import { checkLoginOnce, startLoginCanary } from '../../../src/worker/canary/schedule.js'
import { BOT, rpcError, stubClient } from '../../support/mtcute-stub.js'
import { LogCapture, startTestSite, type TestSite } from '../../support/site.js'
import { testStores } from '../../support/store.js'

const newStore = testStores()
const sites: TestSite[] = []
afterEach(async () => {
  for (const s of sites.splice(0)) await s.close()
})
async function site(): Promise<TestSite> {
  const s = await startTestSite()
  sites.push(s)
  return s
}

const SENT_ID = 10
const button: tl.RawKeyboardButtonUrlAuth = {
  _: 'keyboardButtonUrlAuth',
  text: 'Log in',
  url: 'https://karma.example.com/auth/telegram',
  buttonId: 3,
}

/** A message in the chat with the bot; `out` is ours. */
function message(
  id: number,
  text: string,
  options: { out?: boolean; buttons?: tl.TypeKeyboardButton[] } = {},
): tl.RawMessage {
  return {
    _: 'message',
    id,
    out: options.out === true,
    peerId: { _: 'peerUser', userId: BOT.id },
    date: 0,
    message: text,
    ...(options.buttons
      ? { replyMarkup: { _: 'replyInlineMarkup', rows: [{ _: 'keyboardButtonRow', buttons: options.buttons }] } }
      : {}),
  }
}

const REQUEST: tl.TypeUrlAuthResult = {
  _: 'urlAuthResultRequest',
  requestWriteAccess: true,
  bot: BOT,
  domain: '127.0.0.1',
}

/**
 * A stubbed account talking to a bot: `/login` is sent as message 10, the history answers with
 * `history` (what the bot replied, newest first), then the URL-auth answers.
 */
function canaryClient(options: { history?: tl.TypeMessage[]; request?: tl.TypeUrlAuthResult; acceptedUrl?: string }) {
  const { stub, tg } = stubClient()
  stub
    .respondWith('contacts.resolveUsername', (): tl.contacts.RawResolvedPeer => ({
      _: 'contacts.resolvedPeer',
      peer: { _: 'peerUser', userId: BOT.id },
      chats: [],
      users: [BOT],
    }))
    .respondWith('messages.sendMessage', (): tl.RawUpdateShortSentMessage => ({
      _: 'updateShortSentMessage',
      out: true,
      id: SENT_ID,
      pts: 1,
      ptsCount: 1,
      date: 0,
    }))
    .respondWith('messages.getHistory', (): tl.messages.RawMessages => ({
      _: 'messages.messages',
      messages: [
        ...(options.history ?? []),
        message(SENT_ID, '/login', { out: true }),
        message(4, 'an older answer', { buttons: [button] }),
      ],
      topics: [],
      chats: [],
      users: [BOT],
    }))
    .respondWith('messages.requestUrlAuth', () => options.request ?? REQUEST)
    .respondWith('messages.acceptUrlAuth', (): tl.TypeUrlAuthResult => ({
      _: 'urlAuthResultAccepted',
      url: options.acceptedUrl ?? 'http://127.0.0.1:1/auth/telegram',
    }))
  return { stub, tg }
}

const fast = { pollIntervalMs: 1, maxPolls: 3 }

describe('the login canary', () => {
  it('sends /login, presses the button, accepts with write access and gets a session from the site', async () => {
    const s = await site()
    const { stub, tg } = canaryClient({
      history: [
        message(11, 'Log in to karmagate', {
          buttons: [{ _: 'keyboardButtonUrl', text: 'Help', url: 'https://example.com' }, button],
        }),
      ],
      acceptedUrl: s.loginUrl(),
    })
    const pass = await runLoginCanary(tg, { botUsername: '@karmagate_bot', ...fast })
    expect(pass).toEqual({ opened: `${s.url}/auth/telegram`, status: 302 })
    expect(stub.methods()).toEqual([
      'contacts.resolveUsername',
      'messages.sendMessage',
      'messages.getHistory',
      'messages.requestUrlAuth',
      'messages.acceptUrlAuth',
    ])
    expect(stub.calls[1]).toMatchObject({ message: '/login', peer: { _: 'inputPeerUser', userId: BOT.id } })
    expect(stub.calls[2]).toMatchObject({ minId: SENT_ID })
    expect(stub.calls[3]).toMatchObject({ msgId: 11, buttonId: 3 })
    expect(stub.calls[4]).toMatchObject({ msgId: 11, buttonId: 3, writeAllowed: true })
    // The site really logged the member in.
    expect(s.logs.text).toContain('member logged in')
    await tg.destroy()
  })

  it('takes an Accepted answer to the request as it is (the bot was allowed before)', async () => {
    const s = await site()
    const { stub, tg } = canaryClient({
      history: [message(11, 'Log in', { buttons: [button] })],
      request: { _: 'urlAuthResultAccepted', url: s.loginUrl() },
    })
    await expect(runLoginCanary(tg, { botUsername: 'karmagate_bot', ...fast })).resolves.toMatchObject({ status: 302 })
    expect(stub.methods()).not.toContain('messages.acceptUrlAuth')
    await tg.destroy()
  })

  it('fails with bot-silent when no answer comes within the polls', async () => {
    const { stub, tg } = canaryClient({})
    await expect(runLoginCanary(tg, { botUsername: 'karmagate_bot', ...fast })).rejects.toMatchObject({
      name: 'CanaryError',
      reason: 'bot-silent',
    })
    expect(stub.methods().filter((m) => m === 'messages.getHistory')).toHaveLength(3)
    expect(stub.methods()).not.toContain('messages.requestUrlAuth')
    await tg.destroy()
  })

  it('fails with no-button when the bot answers without a login button', async () => {
    const { tg } = canaryClient({
      history: [
        message(11, 'Something else', {
          buttons: [{ _: 'keyboardButtonUrl', text: 'Site', url: 'https://example.com' }],
        }),
      ],
    })
    const err: unknown = await runLoginCanary(tg, { botUsername: 'karmagate_bot', ...fast }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CanaryError)
    expect(err).toMatchObject({ reason: 'no-button', message: '@karmagate_bot answered /login without a login button' })
    await tg.destroy()
  })

  it('fails with domain-not-linked on urlAuthResultDefault', async () => {
    const { tg } = canaryClient({
      history: [message(11, 'Log in', { buttons: [button] })],
      request: { _: 'urlAuthResultDefault' },
    })
    await expect(runLoginCanary(tg, { botUsername: 'karmagate_bot', ...fast })).rejects.toMatchObject({
      reason: 'domain-not-linked',
      message: expect.stringContaining('/setdomain') as unknown,
    })
    await tg.destroy()
  })

  it('fails with http-status when the site refuses the signature, without the query in the message', async () => {
    const s = await site()
    const forged = s.loginUrl().replace(/hash=[0-9a-f]+/, `hash=${'0'.repeat(64)}`)
    const { tg } = canaryClient({ history: [message(11, 'Log in', { buttons: [button] })], acceptedUrl: forged })
    const err: unknown = await runLoginCanary(tg, { botUsername: 'karmagate_bot', ...fast }).catch((e: unknown) => e)
    expect(err).toMatchObject({
      reason: 'http-status',
      status: 401,
      message: `${s.url}/auth/telegram answered 401, expected 302`,
    })
    await tg.destroy()
  })

  it('fails with no-cookie on a 302 without a session, and site-unreachable when nobody answers', async () => {
    const { tg } = canaryClient({
      history: [message(11, 'Log in', { buttons: [button] })],
      acceptedUrl: 'https://karma.example.com/auth/telegram?hash=secret',
    })
    const redirectOnly = () =>
      Promise.resolve(
        new Response(null, { status: 302, headers: { location: '/', 'set-cookie': 'kg_csrf=x; Path=/' } }),
      )
    await expect(
      runLoginCanary(tg, { botUsername: 'karmagate_bot', ...fast, fetch: redirectOnly }),
    ).rejects.toMatchObject({ reason: 'no-cookie', status: 302 })
    const refused = () => Promise.reject(new TypeError('fetch failed'))
    const err: unknown = await runLoginCanary(tg, { botUsername: 'karmagate_bot', ...fast, fetch: refused }).catch(
      (e: unknown) => e,
    )
    expect(err).toMatchObject({ reason: 'site-unreachable' })
    expect((err as Error).message).not.toContain('secret')
    await tg.destroy()
  })

  it('redacts the signed URL to its origin and path', () => {
    expect(redactedUrl('https://karma.example.com/auth/telegram?id=1&hash=abc')).toBe(
      'https://karma.example.com/auth/telegram',
    )
    expect(redactedUrl('not a url')).toBe('(not a URL)')
  })
})

describe('checkLoginOnce and its timer', () => {
  function logger() {
    const logs = new LogCapture()
    return { logs, logger: pino({ level: 'info' }, logs) }
  }

  it('records a pass with its time and duration, and logs the URL without its query', async () => {
    const s = await site()
    const t = newStore()
    const url = s.loginUrl()
    const { tg } = canaryClient({ history: [message(11, 'Log in', { buttons: [button] })], acceptedUrl: url })
    const { logs, logger: log } = logger()
    const result = await checkLoginOnce({
      tg,
      store: t.store,
      botUsername: 'karmagate_bot',
      logger: log,
      run: fast,
      clock: () => t.now(),
    })
    expect(result).toEqual({ ok: true, checkedAt: t.now(), error: null, durationMs: 0 })
    expect(await t.store.canary.last()).toEqual(result)
    expect(logs.text).toContain('login canary passed')
    expect(logs.text).toContain(`${s.url}/auth/telegram`)
    expect(logs.text).not.toContain(new URL(url).searchParams.get('hash'))
    await tg.destroy()
  })

  it('records a failure with its reason, Telegram errors included, and never throws', async () => {
    const t = newStore()
    const { stub, tg } = canaryClient({
      history: [message(11, 'Log in', { buttons: [button] })],
      request: { _: 'urlAuthResultDefault' },
    })
    const { logs, logger: log } = logger()
    const deps = { tg, store: t.store, botUsername: 'karmagate_bot', logger: log, run: fast, clock: () => t.now() }
    expect(await checkLoginOnce(deps)).toMatchObject({
      ok: false,
      error: expect.stringContaining('not linked with /setdomain') as unknown,
    })
    expect(logs.text).toContain('login canary failed')
    stub.respondWith('messages.sendMessage', () => {
      throw rpcError(400, 'YOU_BLOCKED_USER')
    })
    expect(await checkLoginOnce(deps)).toMatchObject({
      ok: false,
      error: expect.stringContaining('YOU_BLOCKED_USER') as unknown,
    })
    expect(await t.store.canary.last()).toMatchObject({
      ok: false,
      error: expect.stringContaining('YOU_BLOCKED_USER') as unknown,
    })
    await tg.destroy()
  })

  it('does nothing when the interval is 0', async () => {
    const t = newStore()
    const { stub, tg } = canaryClient({})
    const canary = startLoginCanary(
      { tg, store: t.store, botUsername: 'karmagate_bot', logger: pino({ level: 'silent' }) },
      { intervalSeconds: 0, firstRunDelayMs: 0 },
    )
    await new Promise((r) => setTimeout(r, 30))
    await canary.stop()
    expect(stub.calls).toHaveLength(0)
    expect(await t.store.canary.last()).toBeUndefined()
    await tg.destroy()
  })

  it('runs on its timer, and stop() aborts a run in progress without recording it', async () => {
    const t = newStore()
    const { stub, tg } = canaryClient({
      history: [message(11, 'Log in', { buttons: [button] })],
      request: { _: 'urlAuthResultDefault' },
    })
    const deps = { tg, store: t.store, botUsername: 'karmagate_bot', logger: pino({ level: 'silent' }), run: fast }
    const canary = startLoginCanary(deps, { intervalSeconds: 3600, firstRunDelayMs: 0 })
    await expect.poll(async () => (await t.store.canary.last())?.ok, { timeout: 2000 }).toBe(false)
    await canary.stop()
    // A slow bot: the run is stuck polling when the worker stops.
    t.db.prepare('UPDATE canary_state SET ok = NULL, checked_at = NULL').run()
    const calls = stub.calls.length
    const slow = startLoginCanary(
      { ...deps, run: { pollIntervalMs: 60_000, maxPolls: 3 } },
      { intervalSeconds: 3600, firstRunDelayMs: 0 },
    )
    await expect.poll(() => stub.calls.length, { timeout: 2000 }).toBeGreaterThan(calls)
    const started = Date.now()
    await slow.stop()
    expect(Date.now() - started).toBeLessThan(1000)
    expect(await t.store.canary.last()).toBeUndefined()
    await tg.destroy()
  })
})

import { join } from 'node:path'
import type { tl } from '@mtcute/node'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { startWorkerProcess } from '../../src/processes/worker.js'
import { BOT, SELF, stubClient } from '../support/mtcute-stub.js'
import { startTestSite, type TestSite } from '../support/site.js'

const sites: TestSite[] = []
afterEach(async () => {
  for (const s of sites.splice(0)) await s.close()
})
async function site(env: Record<string, string> = {}): Promise<TestSite> {
  const s = await startTestSite(env)
  sites.push(s)
  return s
}

async function deep(s: TestSite): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${s.url}/healthz?deep=1`)
  expect(res.headers.get('cache-control')).toBe('no-store')
  return { status: res.status, body: await res.json() }
}

describe('GET /healthz?deep=1', () => {
  it('with the canary off: shows its last result, if any, and answers 200 on the database alone', async () => {
    const s = await site()
    expect(await deep(s)).toEqual({ status: 200, body: { status: 'ok', database: 'ok', canary: null } })
    await s.store.canary.record({ ok: false, checkedAt: s.now(), error: 'bot silent', durationMs: 12 })
    expect(await deep(s)).toMatchObject({
      status: 200,
      body: { status: 'ok', canary: { ok: false, error: 'bot silent', stale: false } },
    })
  })

  it('with the canary on: 503 before the first run, 200 after a pass, 503 after a failure or when stale', async () => {
    const s = await site({ CANARY_INTERVAL_SECONDS: '60' })
    expect(await deep(s)).toEqual({ status: 503, body: { status: 'unavailable', database: 'ok', canary: null } })
    const at = s.nowSeconds() * 1000
    await s.store.canary.record({ ok: true, checkedAt: at, error: null, durationMs: 840 })
    expect(await deep(s)).toEqual({
      status: 200,
      body: {
        status: 'ok',
        database: 'ok',
        canary: { ok: true, checkedAt: new Date(at).toISOString(), error: null, durationMs: 840, stale: false },
      },
    })
    // Plain /healthz stays about the database only.
    const plain = await fetch(`${s.url}/healthz`)
    expect(await plain.json()).toEqual({ status: 'ok', database: 'ok' })

    s.setNow(at + 180_000)
    expect((await deep(s)).status).toBe(200)
    s.setNow(at + 181_000)
    expect(await deep(s)).toMatchObject({
      status: 503,
      body: { status: 'unavailable', canary: { ok: true, stale: true } },
    })

    await s.store.canary.record({
      ok: false,
      checkedAt: at + 181_000,
      error: 'Telegram would not sign the login (urlAuthResultDefault): the domain is not linked with /setdomain',
      durationMs: 300,
    })
    expect(await deep(s)).toMatchObject({
      status: 503,
      body: { canary: { ok: false, error: expect.stringContaining('/setdomain') as unknown, stale: false } },
    })
  })

  it('answers 503 when the database does not, deep or not', async () => {
    const s = await site({ CANARY_INTERVAL_SECONDS: '60' })
    await s.store.close()
    expect(await deep(s)).toEqual({ status: 503, body: { status: 'unavailable', database: 'error' } })
  })
})

describe('the worker process runs the canary', () => {
  it('logs in to the site through the bot on its timer, and /healthz?deep=1 turns 200', async () => {
    const s = await site({ CANARY_INTERVAL_SECONDS: '60' })
    const { stub, tg } = stubClient()
    const button: tl.RawKeyboardButtonUrlAuth = {
      _: 'keyboardButtonUrlAuth',
      text: 'Log in',
      url: `${s.url}/auth/telegram`,
      buttonId: 1,
    }
    const incoming = (id: number, out: boolean, markup?: tl.TypeReplyMarkup): tl.RawMessage => ({
      _: 'message',
      id,
      out,
      peerId: { _: 'peerUser', userId: BOT.id },
      date: 0,
      message: out ? '/login' : 'Log in to karmagate',
      ...(markup ? { replyMarkup: markup } : {}),
    })
    stub
      .respondWith('users.getUsers', () => [SELF])
      .respondWith('contacts.resolveUsername', (): tl.contacts.RawResolvedPeer => ({
        _: 'contacts.resolvedPeer',
        peer: { _: 'peerUser', userId: BOT.id },
        chats: [],
        users: [BOT],
      }))
      .respondWith('messages.sendMessage', (): tl.RawUpdateShortSentMessage => ({
        _: 'updateShortSentMessage',
        out: true,
        id: 20,
        pts: 1,
        ptsCount: 1,
        date: 0,
      }))
      .respondWith('messages.getHistory', (): tl.messages.RawMessages => ({
        _: 'messages.messages',
        messages: [
          incoming(21, false, { _: 'replyInlineMarkup', rows: [{ _: 'keyboardButtonRow', buttons: [button] }] }),
          incoming(20, true),
        ],
        topics: [],
        chats: [],
        users: [BOT],
      }))
      .respondWith('messages.requestUrlAuth', (): tl.TypeUrlAuthResult => ({
        _: 'urlAuthResultRequest',
        requestWriteAccess: true,
        bot: BOT,
        domain: '127.0.0.1',
      }))
      .respondWith('messages.acceptUrlAuth', (): tl.TypeUrlAuthResult => ({
        _: 'urlAuthResultAccepted',
        url: s.loginUrl({ id: String(SELF.id), first_name: 'Worker', username: 'kg_worker' }),
      }))
    const config = loadConfig({
      DATABASE_PATH: s.dbPath,
      WORKER_SESSION_PATH: join(s.dbPath, '..', 'worker.session'),
      BOT_USERNAME: 'karmagate_bot',
      TG_API_ID: '12345',
      TG_API_HASH: '0123456789abcdef0123456789abcdef',
      CANARY_INTERVAL_SECONDS: '60',
    })
    expect((await deep(s)).status).toBe(503)
    const running = await startWorkerProcess(config, pino({ level: 'silent' }), {
      client: tg,
      idleMs: 20,
      canary: { firstRunDelayMs: 0, run: { pollIntervalMs: 1, maxPolls: 3 } },
    })
    try {
      await expect.poll(async () => (await deep(s)).status, { timeout: 5000 }).toBe(200)
      expect((await deep(s)).body).toMatchObject({ canary: { ok: true, error: null } })
      expect(stub.methods()).toContain('messages.acceptUrlAuth')
      expect(s.logs.text).toContain('member logged in')
    } finally {
      await running.stop()
    }
  })
})

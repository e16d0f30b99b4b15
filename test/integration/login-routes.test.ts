import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { signedLoginQuery } from '../../src/login/sign.js'
import {
  loginFields,
  sessionCookie,
  startTestSite,
  TEST_BOT_TOKEN,
  TEST_BOT_USERNAME,
  TEST_SESSION_SECRET,
  type TestSite,
} from '../support/site.js'

const sites: TestSite[] = []
afterEach(async () => {
  await Promise.all(sites.splice(0).map((s) => s.close()))
})
async function site(env: Record<string, string> = {}): Promise<TestSite> {
  const s = await startTestSite(env)
  sites.push(s)
  return s
}

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { redirect: 'manual', headers })

/** Row counts of every table a login may write, read from the file itself. */
function countRows(dbPath: string): Record<string, number> {
  const db = new Database(dbPath, { readonly: true })
  try {
    const out: Record<string, number> = {}
    for (const table of ['users', 'sessions', 'login_replays']) {
      out[table] = db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()!.n
    }
    return out
  } finally {
    db.close()
  }
}

/** Logs in with a fresh signed URL; returns the session cookie. */
async function logIn(
  s: TestSite,
  fields: Record<string, string | undefined> = {},
  cookie?: string,
): Promise<{ res: Response; cookie: string }> {
  const res = await get(s.loginUrl(fields), cookie ? { cookie } : {})
  expect(res.status).toBe(302)
  const set = sessionCookie(res)
  expect(set).toBeDefined()
  return { res, cookie: set! }
}

describe('GET /', () => {
  it('shows the Telegram Login Widget for the bot, asking for write access', async () => {
    const s = await site()
    const res = await get(`${s.url}/`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/html/)
    const body = await res.text()
    expect(body).toContain('src="https://telegram.org/js/telegram-widget.js?22"')
    expect(body).toContain(`data-telegram-login="${TEST_BOT_USERNAME}"`)
    expect(body).toContain(`data-auth-url="${s.config.publicUrl}/auth/telegram"`)
    expect(body).toContain('data-request-access="write"')
    expect(body).toContain(`href="https://t.me/${TEST_BOT_USERNAME}"`)
  })

  it('sends helmet headers with a CSP that admits the widget and nothing inline', async () => {
    const s = await site()
    const res = await get(`${s.url}/`)
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("script-src 'self' https://telegram.org")
    expect(csp).toContain('frame-src https://oauth.telegram.org')
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe-inline')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
    expect(res.headers.get('x-powered-by')).toBeNull()
  })
})

describe('GET /auth/telegram: a valid login', () => {
  it('creates the member, starts a session and redirects to /me', async () => {
    const s = await site()
    const { res, cookie } = await logIn(s)
    expect(res.headers.get('location')).toBe('/me')
    const header = res.headers.getSetCookie().find((c) => c.startsWith('kg_session='))!
    expect(header).toMatch(/HttpOnly/i)
    expect(header).toMatch(/SameSite=Lax/i)
    expect(header).not.toMatch(/Secure/i)
    // Its creation time (hex seconds), then 256 random bits.
    expect(cookie.split('=')[1]).toMatch(/^[0-9a-f]{8}[A-Za-z0-9_-]{43}$/)
    expect(parseInt(cookie.split('=')[1]!.slice(0, 8), 16)).toBe(s.nowSeconds())
    const member = await s.store.members.findByTelegramId(424242)
    expect(member).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace', username: 'ada_l', karma: 0 })
    expect(member?.lastLoginAt).toBe(s.nowSeconds() * 1000)
    expect(countRows(s.dbPath)).toEqual({ users: 1, sessions: 1, login_replays: 1 })
  })

  it('stores only a keyed hash of the session id', async () => {
    const s = await site()
    const { cookie } = await logIn(s)
    const id = cookie.split('=')[1]!
    const db = new Database(s.dbPath, { readonly: true })
    const stored = db.prepare<[], { id_hash: string }>('SELECT id_hash FROM sessions').get()!.id_hash
    db.close()
    expect(stored).not.toContain(id.slice(8))
    // The time prefix (so new sessions are stored in order), then the HMAC.
    expect(stored).toMatch(/^[0-9a-f]{8}[A-Za-z0-9_-]{43}$/)
    expect(stored.slice(0, 8)).toBe(id.slice(0, 8))
  })

  it('updates a returning member and accepts a field Telegram adds in future', async () => {
    const s = await site()
    await logIn(s)
    await logIn(s, { first_name: 'Augusta', username: undefined, allows_write_to_pm: 'true' })
    const member = await s.store.members.findByTelegramId(424242)
    expect(member).toMatchObject({ firstName: 'Augusta', username: null, canDm: true })
    expect(countRows(s.dbPath).users).toBe(1)
  })

  it('marks the cookie Secure with the __Host- prefix when PUBLIC_URL is https', async () => {
    const s = await site({ PUBLIC_URL: 'https://karma.example.com', WEBHOOK_SECRET: 'webhook-secret-0123456789' })
    const res = await get(s.loginUrl())
    expect(res.status).toBe(302)
    const header = res.headers.getSetCookie().find((c) => c.startsWith('__Host-kg_session='))
    expect(header).toMatch(/; Secure/i)
    expect(header).toMatch(/; Path=\//i)
    expect(res.headers.get('strict-transport-security')).toBeTruthy()
  })

  it('rotates the session: the visitor session before login stops working', async () => {
    const s = await site()
    const first = await logIn(s)
    const second = await logIn(s, { first_name: 'Again' }, first.cookie)
    expect(second.cookie).not.toBe(first.cookie)
    expect(countRows(s.dbPath).sessions).toBe(1)
    expect((await get(`${s.url}/me`, { cookie: first.cookie })).status).toBe(302)
    expect((await get(`${s.url}/me`, { cookie: second.cookie })).status).toBe(200)
  })

  it('knows a session only by its whole id: another time prefix or the old 43-character form is no session', async () => {
    const s = await site()
    const { cookie } = await logIn(s)
    const [name, id] = cookie.split('=') as [string, string]
    expect((await get(`${s.url}/me`, { cookie })).status).toBe(200)
    const otherTime = `${name}=${(parseInt(id.slice(0, 8), 16) + 1).toString(16).padStart(8, '0')}${id.slice(8)}`
    expect((await get(`${s.url}/me`, { cookie: otherTime })).status).toBe(302)
    expect((await get(`${s.url}/me`, { cookie: `${name}=${id.slice(8)}` })).status).toBe(302)
  })

  it('goes back to where the member was going, kept in the session', async () => {
    const s = await site()
    const visit = await get(`${s.url}/me`)
    expect(visit.status).toBe(302)
    expect(visit.headers.get('location')).toBe('/')
    const visitor = sessionCookie(visit)!
    expect(visitor).toBeDefined()
    const { res } = await logIn(s, {}, visitor)
    expect(res.headers.get('location')).toBe('/me')
    expect(countRows(s.dbPath).sessions).toBe(1)
  })

  it('answers with the security headers every page has', async () => {
    const s = await site()
    const page = await get(`${s.url}/`)
    const { res } = await logIn(s)
    const transport = new Set([
      'date',
      'connection',
      'keep-alive',
      'content-length',
      'content-type',
      'etag',
      'set-cookie',
      'location',
      'cache-control',
    ])
    const pageHeaders = Object.fromEntries([...page.headers].filter(([name]) => !transport.has(name)))
    const loginHeaders = Object.fromEntries([...res.headers].filter(([name]) => !transport.has(name)))
    expect(loginHeaders).toEqual(pageHeaders)
    expect(loginHeaders['content-security-policy']).toContain('https://oauth.telegram.org')
    expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it.each(['/auth/telegram/', '/Auth/Telegram'])('logs in at %s too, as Express routes it', async (path) => {
    const s = await site()
    const res = await get(s.loginUrl({ id: '77' }).replace('/auth/telegram', path))
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('/me')
    expect(sessionCookie(res)).toBeDefined()
    expect(countRows(s.dbPath)).toEqual({ users: 1, sessions: 1, login_replays: 1 })
  })

  it('is not served for other methods: a POST or a HEAD logs no one in', async () => {
    const s = await site()
    const url = s.loginUrl()
    expect((await fetch(url, { method: 'POST', redirect: 'manual' })).status).toBe(404)
    expect((await fetch(url, { method: 'HEAD', redirect: 'manual' })).status).toBe(404)
    expect(countRows(s.dbPath)).toEqual({ users: 0, sessions: 0, login_replays: 0 })
  })

  it('ignores our own parameters in the signed query: adding one breaks the signature', async () => {
    const s = await site()
    const res = await get(`${s.loginUrl()}&next=%2Fadmin`)
    expect(res.status).toBe(401)
  })
})

describe('GET /auth/telegram: refusals change nothing', () => {
  const now = () => Math.floor(Date.now() / 1000)
  const malformed: [string, (s: TestSite) => string][] = [
    ['no query', (s) => `${s.url}/auth/telegram`],
    ['missing hash', (s) => s.loginUrl().replace(/&hash=[0-9a-f]+/, '')],
    ['missing id', (s) => s.loginUrl({ id: undefined })],
    ['missing auth_date', (s) => s.loginUrl({ auth_date: undefined })],
    ['repeated key', (s) => `${s.loginUrl()}&id=1`],
    ['non-integer date', (s) => s.loginUrl({ auth_date: `${String(now())}.0` })],
    ['non-positive id', (s) => s.loginUrl({ id: '0' })],
    ['hash not 64 hex', (s) => s.loginUrl().replace(/hash=([0-9a-f]+)/, 'hash=$1ab')],
    ['query over a sane size', (s) => `${s.loginUrl()}&pad=${'x'.repeat(5000)}`],
    ['broken percent-encoding', (s) => `${s.loginUrl()}&x=%ZZ`],
  ]
  it.each(malformed)('%s → 400', async (_name, build) => {
    const s = await site()
    const res = await get(build(s))
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toMatch(/text\/html/)
    expect(await res.text()).toContain('Error 400')
    expect(sessionCookie(res)).toBeUndefined()
    expect(countRows(s.dbPath)).toEqual({ users: 0, sessions: 0, login_replays: 0 })
  })

  const unauthorized: [string, string, (s: TestSite) => string][] = [
    [
      'bad signature',
      'bad_signature',
      (s) => `${s.url}/auth/telegram?${signedLoginQuery('1:AAotherTOKENotherTOKENotherTOKEN0', loginFields(now()))}`,
    ],
    ['too old', 'expired', (s) => s.loginUrl({ auth_date: String(now() - 601) })],
    ['from the future', 'from_future', (s) => s.loginUrl({ auth_date: String(now() + 3600) })],
  ]
  it.each(unauthorized)('%s → 401', async (_name, code, build) => {
    const s = await site()
    const res = await get(build(s), { accept: 'application/json' })
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toMatch(/application\/json/)
    const body = (await res.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe(code)
    expect(body.error.message.length).toBeGreaterThan(10)
    expect(sessionCookie(res)).toBeUndefined()
    expect(countRows(s.dbPath)).toEqual({ users: 0, sessions: 0, login_replays: 0 })
  })

  it('a login URL works once: the replay is 401 and writes nothing', async () => {
    const s = await site()
    const url = s.loginUrl()
    expect((await get(url)).status).toBe(302)
    const before = countRows(s.dbPath)
    const replay = await get(url, { accept: 'application/json' })
    expect(replay.status).toBe(401)
    expect(((await replay.json()) as { error: { code: string } }).error.code).toBe('replayed')
    expect(sessionCookie(replay)).toBeUndefined()
    expect(countRows(s.dbPath)).toEqual(before)
  })

  it('a refused login keeps the visitor logged in as before', async () => {
    const s = await site()
    const { cookie } = await logIn(s)
    const res = await get(s.loginUrl({ auth_date: '1' }), { cookie })
    expect(res.status).toBe(401)
    expect((await get(`${s.url}/me`, { cookie })).status).toBe(200)
  })

  it('is rate limited per client address', async () => {
    const s = await site({ LOGIN_RATE_LIMIT_PER_MINUTE: '2' })
    const first = await get(s.loginUrl({ id: '1' }))
    expect(first.status).toBe(302)
    expect(first.headers.get('ratelimit')).toMatch(/^limit=2, remaining=1, reset=\d+$/)
    expect((await get(s.loginUrl({ id: '2' }))).status).toBe(302)
    const limited = await get(s.loginUrl({ id: '3' }), { accept: 'application/json' })
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limited')
    expect(countRows(s.dbPath).users).toBe(2)
  })

  it('counts the address TRUST_PROXY says is the client, and ignores X-Forwarded-For without it', async () => {
    const behindProxy = await site({ LOGIN_RATE_LIMIT_PER_MINUTE: '1', TRUST_PROXY: '1' })
    expect((await get(behindProxy.loginUrl({ id: '1' }), { 'x-forwarded-for': '203.0.113.7' })).status).toBe(302)
    expect((await get(behindProxy.loginUrl({ id: '2' }), { 'x-forwarded-for': '203.0.113.7' })).status).toBe(429)
    expect((await get(behindProxy.loginUrl({ id: '3' }), { 'x-forwarded-for': '203.0.113.8' })).status).toBe(302)
    // Only the nearest hop is trusted: an address the client itself put further left is not.
    expect(
      (await get(behindProxy.loginUrl({ id: '4' }), { 'x-forwarded-for': '198.51.100.1, 203.0.113.8' })).status,
    ).toBe(429)

    const direct = await site({ LOGIN_RATE_LIMIT_PER_MINUTE: '1' })
    expect((await get(direct.loginUrl({ id: '1' }), { 'x-forwarded-for': '203.0.113.7' })).status).toBe(302)
    expect((await get(direct.loginUrl({ id: '2' }), { 'x-forwarded-for': '203.0.113.8' })).status).toBe(429)
  })
})

describe('GET /me', () => {
  it('redirects a visitor without a session to /', async () => {
    const s = await site()
    const res = await get(`${s.url}/me`)
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('/')
  })

  it('shows the member, escaping every name they supply', async () => {
    const s = await site()
    const { cookie } = await logIn(s, {
      first_name: '<script>alert(1)</script>',
      last_name: '"><img src=x onerror=alert(2)>',
      username: 'ada_l',
    })
    const res = await get(`${s.url}/me`, { cookie })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = await res.text()
    expect(body).not.toContain('<script>alert(1)')
    expect(body).not.toContain('<img src=x')
    expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(body).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;')
    expect(body).toContain('@ada_l')
    expect(body).toMatch(/id="member-karma">0</)
    expect(body).toContain('src="https://t.me/i/userpic/320/ada.jpg"')
  })

  it('treats an expired session as none and clears its cookie', async () => {
    const s = await site({ SESSION_MAX_AGE_SECONDS: '60' })
    const { cookie } = await logIn(s)
    s.setNow(Date.now() + 61_000)
    const res = await get(`${s.url}/me`, { cookie })
    expect(res.status).toBe(302)
    expect(res.headers.getSetCookie().some((c) => c.startsWith('kg_session=;'))).toBe(true)
  })

  it('ignores a forged or malformed session cookie', async () => {
    const s = await site()
    for (const value of ['x', 'A'.repeat(43), '../../etc']) {
      expect((await get(`${s.url}/me`, { cookie: `kg_session=${value}` })).status).toBe(302)
    }
  })
})

describe('POST /logout', () => {
  async function csrfFor(s: TestSite, cookie: string): Promise<{ token: string; cookies: string }> {
    const page = await get(`${s.url}/me`, { cookie })
    const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1]
    const csrfCookie = page.headers
      .getSetCookie()
      .find((c) => c.startsWith('kg_csrf='))
      ?.split(';')[0]
    expect(token).toBeDefined()
    expect(csrfCookie).toBeDefined()
    return { token: token!, cookies: `${cookie}; ${csrfCookie!}` }
  }
  const post = (url: string, cookie: string, body: string) =>
    fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    })

  it('refuses a request without a valid CSRF token and keeps the session', async () => {
    const s = await site()
    const { cookie } = await logIn(s)
    const { cookies, token } = await csrfFor(s, cookie)
    expect((await post(`${s.url}/logout`, cookie, '')).status).toBe(403)
    expect((await post(`${s.url}/logout`, cookies, `_csrf=${'x'.repeat(token.length)}`)).status).toBe(403)
    expect((await post(`${s.url}/logout`, cookie, `_csrf=${encodeURIComponent(token)}`)).status).toBe(403)
    expect((await get(`${s.url}/me`, { cookie })).status).toBe(200)
  })

  it('ends the session with a valid token', async () => {
    const s = await site()
    const { cookie } = await logIn(s)
    const { cookies, token } = await csrfFor(s, cookie)
    const res = await post(`${s.url}/logout`, cookies, `_csrf=${encodeURIComponent(token)}`)
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/')
    expect(countRows(s.dbPath).sessions).toBe(0)
    expect((await get(`${s.url}/me`, { cookie })).status).toBe(302)
  })

  it('a token is bound to its session: another member cannot reuse it', async () => {
    const s = await site()
    const a = await logIn(s, { id: '1' })
    const b = await logIn(s, { id: '2' })
    const { cookies, token } = await csrfFor(s, a.cookie)
    const csrfCookie = cookies.split('; ')[1]!
    const res = await post(`${s.url}/logout`, `${b.cookie}; ${csrfCookie}`, `_csrf=${encodeURIComponent(token)}`)
    expect(res.status).toBe(403)
  })
})

describe('GET /healthz and errors', () => {
  it('answers 200 while the database answers, 503 when it does not', async () => {
    const s = await site()
    const ok = await get(`${s.url}/healthz`)
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ status: 'ok', database: 'ok' })
    await s.store.close()
    const down = await get(`${s.url}/healthz`)
    expect(down.status).toBe(503)
  })

  it('answers an unknown path with 404, as JSON when asked', async () => {
    const s = await site()
    const res = await get(`${s.url}/nope`, { accept: 'application/json' })
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'There is no page at /nope.' } })
  })

  it('never logs the bot token, the session secret or a session id', async () => {
    const s = await site()
    const { cookie } = await logIn(s)
    await get(s.loginUrl({ auth_date: '5' }))
    const logs = s.logs.text
    expect(logs).toContain('member logged in')
    expect(logs).toContain('login refused')
    expect(logs).not.toContain(TEST_BOT_TOKEN)
    expect(logs).not.toContain(TEST_SESSION_SECRET)
    expect(logs).not.toContain(cookie.split('=')[1]!)
  })
})

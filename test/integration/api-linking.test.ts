import { describe, expect, it } from 'vitest'
import { sessionCookie, TEST_SESSION_SECRET } from '../support/site.js'
import { type ApiTestSite, ledgerCheck, snapshot, startApiSite } from './api-kit.js'

const get = (url: string, cookie?: string, accept = 'text/html') =>
  fetch(url, { redirect: 'manual', headers: { accept, ...(cookie ? { cookie } : {}) } })

/** Asks the API for a link URL, rewritten from PUBLIC_URL to where the test site listens. */
async function linkUrl(s: ApiTestSite, externalId: string, returnTo?: string): Promise<string> {
  const res = await s.call('POST', '/link-tokens', { externalId, ...(returnTo === undefined ? {} : { returnTo }) })
  expect(res.status).toBe(201)
  const { url, expiresAt } = res.body as { url: string; expiresAt: string }
  expect(url.startsWith(`${s.config.publicUrl}/link/`)).toBe(true)
  expect(Date.parse(expiresAt)).toBe((s.nowSeconds() + 600) * 1000)
  return s.url + url.slice(s.config.publicUrl.length)
}

/** Opens the confirmation page as a logged-in member and presses its button; resolves to the POST's response. */
async function confirm(s: ApiTestSite, url: string, cookie: string, accept = 'text/html'): Promise<Response> {
  const page = await get(url, cookie)
  expect(page.status).toBe(200)
  const body = await page.text()
  const token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1]
  const action = /<form method="post" action="([^"]+)"/.exec(body)?.[1]
  const csrfCookie = page.headers
    .getSetCookie()
    .find((c) => c.startsWith('kg_csrf='))
    ?.split(';')[0]
  expect(token && action && csrfCookie).toBeTruthy()
  return fetch(`${s.url}${action!}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { accept, cookie: `${cookie}; ${csrfCookie!}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: `_csrf=${encodeURIComponent(token!)}`,
  })
}

/** Follows a link URL as a visitor, logs in with Telegram, comes back and confirms. */
async function linkByLogin(s: ApiTestSite, url: string, fields: Record<string, string> = {}): Promise<Response> {
  const visit = await get(url)
  expect(visit.status).toBe(302)
  expect(visit.headers.get('location')).toBe('/')
  const login = await get(s.loginUrl(fields), sessionCookie(visit))
  expect(login.status).toBe(302)
  // Back to the link after logging in, which still changes nothing by itself.
  expect(s.url + login.headers.get('location')!).toBe(url)
  return confirm(s, url, sessionCookie(login)!)
}

async function logIn(s: ApiTestSite, fields: Record<string, string> = {}): Promise<string> {
  const res = await get(s.loginUrl(fields))
  expect(res.status).toBe(302)
  return sessionCookie(res)!
}

describe('account linking', () => {
  it('token → /link → Telegram login attaches the external id; the member is then addressable by it', async () => {
    const s = await startApiSite()
    const confirmed = await linkByLogin(s, await linkUrl(s, 'u-42', '/me?linked=1'))
    expect(confirmed.status).toBe(303)
    expect(confirmed.headers.get('location')).toBe('/me?linked=1')
    expect((await s.store.members.findByTelegramId(424242))?.externalId).toBe('u-42')
    const byExternal = await s.call('GET', '/members/external/u-42')
    expect(byExternal.status).toBe(200)
    expect(byExternal.body).toMatchObject({ telegramId: 424242, externalId: 'u-42', firstName: 'Ada' })
    const karma = await s.call('POST', '/karma-events', {
      member: { externalId: 'u-42' },
      delta: 3,
      reason: 'after linking',
      idempotencyKey: 'k1',
    })
    expect((karma.body as { member: unknown }).member).toEqual({ telegramId: 424242, externalId: 'u-42', karma: 3 })
    expect(snapshot(s.dbPath).users).toHaveLength(1)
  })

  it('merges a member the site created by external id: karma events, groups, karma; the empty row goes', async () => {
    const s = await startApiSite()
    await s.store.members.recordBotContact(
      { telegramId: 424242, firstName: 'Ada', lastName: null, username: null },
      s.now(),
    )
    await s.call('POST', '/karma-events', {
      member: { telegramId: 424242 },
      delta: 5,
      reason: 'bot',
      idempotencyKey: 't1',
    })
    await s.call('POST', '/karma-events', {
      events: [30, 12].map((delta, i) => ({
        member: { externalId: 'u-42' },
        delta,
        reason: 'site',
        idempotencyKey: `e${String(i)}`,
      })),
    })
    await s.call('PUT', '/members/external/u-42/groups', { groups: ['clients'] })
    // One more for the Telegram member, so the two ledgers interleave when they are merged.
    await s.call('POST', '/karma-events', {
      member: { telegramId: 424242 },
      delta: 3,
      reason: 'bot',
      idempotencyKey: 't2',
    })
    expect(snapshot(s.dbPath).users).toHaveLength(2)

    const confirmed = await linkByLogin(s, await linkUrl(s, 'u-42'))
    expect(confirmed.headers.get('location')).toBe('/me')
    const member = await s.call('GET', '/members/424242')
    expect(member.body).toMatchObject({ telegramId: 424242, externalId: 'u-42', karma: 50, groups: ['clients'] })
    const rows = snapshot(s.dbPath)
    expect(rows.users).toHaveLength(1)
    const memberId = (rows.users[0] as { id: number }).id
    expect(rows.karma_events.map((e) => (e as { user_id: number }).user_id)).toEqual([
      memberId,
      memberId,
      memberId,
      memberId,
    ])
    // ledgerCheck also checks the chains: the merged one is every event, newest first.
    for (const row of ledgerCheck(s.dbPath)) expect(row.karma).toBe(row.sum)
    const ledger = await s.store.adminStats.recentKarmaEvents(memberId, 10)
    expect(ledger.map((e) => e.idempotencyKey)).toEqual(['t2', 'e1', 'e0', 't1'])
    expect((await s.store.adminStats.recentKarmaEvents(memberId, 2)).map((e) => e.idempotencyKey)).toEqual(['t2', 'e1'])
    expect(await s.store.karma.ledgerSum(memberId)).toBe(50)
    const audit = await s.store.audit.recent(1)
    expect(audit[0]).toMatchObject({ action: 'member.link', details: { externalId: 'u-42', mergedKarma: 42 } })
  })

  it('a logged-in member sees who would be linked, and only their confirmation links', async () => {
    const s = await startApiSite()
    const cookie = await logIn(s)
    const url = await linkUrl(s, 'u-42', '/me')
    // A GET alone (a page embedding the URL, say) shows the question and changes nothing.
    const page = await get(url, cookie)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<code id="link-external-id">u-42</code>')
    expect((await s.store.members.findByTelegramId(424242))?.externalId).toBeNull()
    const res = await confirm(s, url, cookie)
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/me')
    expect((await s.store.members.findByTelegramId(424242))?.externalId).toBe('u-42')
    expect((await confirm(s, await linkUrl(s, 'u-42'), cookie)).status).toBe(303)
  })

  it('refuses a confirmation without a valid CSRF token, or without a session', async () => {
    const s = await startApiSite()
    const cookie = await logIn(s)
    const url = await linkUrl(s, 'u-42')
    const post = (headers: Record<string, string>, body = '') =>
      fetch(url, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body,
      })
    expect((await post({ cookie })).status).toBe(403)
    expect((await post({ cookie }, '_csrf=forged')).status).toBe(403)
    expect((await post({})).status).toBe(403)
    expect((await s.store.members.findByTelegramId(424242))?.externalId).toBeNull()
  })

  it('refuses with 409 and changes nothing when the external id belongs to another Telegram member', async () => {
    const s = await startApiSite()
    await linkByLogin(s, await linkUrl(s, 'u-42'))
    const eve = await logIn(s, { id: '555', first_name: 'Eve' })
    const before = snapshot(s.dbPath)
    const refused = await confirm(s, await linkUrl(s, 'u-42'), eve)
    expect(refused.status).toBe(409)
    expect(await refused.text()).toContain('already linked to another Telegram account')
    expect(snapshot(s.dbPath)).toEqual(before)
    expect((await s.store.members.findByTelegramId(555))?.externalId).toBeNull()
    expect((await s.store.members.findByTelegramId(424242))?.externalId).toBe('u-42')
  })

  it('refuses with 409 a logged-in member who is linked to another external id', async () => {
    const s = await startApiSite()
    const cookie = await logIn(s)
    await confirm(s, await linkUrl(s, 'u-42'), cookie)
    const before = snapshot(s.dbPath)
    const res = await confirm(s, await linkUrl(s, 'u-43'), cookie, 'application/json')
    expect(res.status).toBe(409)
    expect(await res.json()).toMatchObject({ error: { code: 'member_already_linked' } })
    expect(snapshot(s.dbPath)).toEqual(before)
  })

  it('works for 10 minutes: 410 afterwards', async () => {
    const s = await startApiSite()
    const url = await linkUrl(s, 'u-42')
    const issued = s.nowSeconds() * 1000
    s.setNow(issued + 599_000)
    expect((await get(url)).status).toBe(302)
    s.setNow(issued + 600_000)
    const expired = await get(url)
    expect(expired.status).toBe(410)
    expect(await expired.text()).toContain('expired')
    expect(sessionCookie(expired)).toBeUndefined()
  })

  it('refuses a forged or broken token with 400, starting no session', async () => {
    const s = await startApiSite()
    const other = await startApiSite({ SESSION_SECRET: `${TEST_SESSION_SECRET}-other` })
    const url = await linkUrl(s, 'u-42')
    const token = url.slice(url.lastIndexOf('/') + 1)
    const [payload = '', mac = ''] = token.split('.')
    const forgedPayload = Buffer.from(JSON.stringify({ e: 'u-admin', x: s.nowSeconds() + 600 })).toString('base64url')
    const otherUrl = await linkUrl(other, 'u-42')
    const tokens = [
      `${payload}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`,
      `${forgedPayload}.${mac}`,
      otherUrl.slice(otherUrl.lastIndexOf('/') + 1),
      'garbage',
      `${payload}.`,
      `${'A'.repeat(3000)}.${mac}`,
    ]
    for (const forged of tokens) {
      const res = await get(`${s.url}/link/${forged}`, undefined, 'application/json')
      expect(res.status, forged.slice(0, 40)).toBe(400)
      expect(await res.json()).toMatchObject({ error: { code: 'link_invalid' } })
      expect(sessionCookie(res)).toBeUndefined()
    }
  })

  it('only issues tokens for a valid external id and a local returnTo', async () => {
    const s = await startApiSite()
    for (const body of [
      { externalId: '' },
      { externalId: 'u-1', returnTo: 'https://evil.example/' },
      { externalId: 'u-1', extra: 1 },
    ]) {
      const res = await s.call('POST', '/link-tokens', body)
      expect(res.status, JSON.stringify(body)).toBe(400)
    }
    const unauthenticated = await s.call('POST', '/link-tokens', { externalId: 'u-1' }, { authorization: '' })
    expect(unauthenticated.status).toBe(401)
  })
})

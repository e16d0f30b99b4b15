/**
 * The login journey in a real browser (headless Debian Chromium driven by playwright-core):
 * a visitor opens `/`, follows a correctly signed login URL, sees their name on `/me` and logs
 * out. Only 127.0.0.1 is reachable: Telegram's widget script is blocked on purpose.
 */
import type { BrowserContext, Page, Response } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { Sessions } from '../../src/web/session.js'
import { expectNoPageProblems, useBrowserSite, watchPageProblems } from '../support/browser.js'
import { TEST_BOT_USERNAME, TEST_SESSION_SECRET, type TestSite } from '../support/site.js'

const TELEGRAM_WIDGET = 'https://telegram.org/js/telegram-widget.js'

const browserSite = useBrowserSite()
const theSite = () => browserSite.site()

/** A fresh browser context (own cookies) that can reach only 127.0.0.1, closed after the test. */
async function newPage(): Promise<{ page: Page; context: BrowserContext; blocked: string[] }> {
  const { context, blocked } = await browserSite.newContext()
  return { page: await context.newPage(), context, blocked }
}

/** Navigates and returns the final response (after redirects), failing if there is none. */
async function visit(page: Page, url: string): Promise<Response> {
  const response = await page.goto(url)
  if (!response) throw new Error(`no response for ${url}`)
  return response
}

/** The URLs of the redirect chain that led to `response`, first request first. */
function redirectChain(response: Response): string[] {
  const urls: string[] = []
  for (let request = response.request().redirectedFrom(); request; request = request.redirectedFrom()) {
    urls.unshift(request.url())
  }
  return urls
}

/** The value of the site's session cookie in `context`, if it has one. */
async function sessionCookieValue(context: BrowserContext, url: string): Promise<string | undefined> {
  const cookies = await context.cookies(url)
  return cookies.find((c) => c.name === 'kg_session')?.value
}

/** The stored session behind a cookie value, looked up as the site does (keyed hash of the id). */
async function storedSession(s: TestSite, cookieValue: string) {
  const sessions = new Sessions(s.store, { secret: TEST_SESSION_SECRET, secure: false, maxAgeSeconds: 60 })
  return s.store.sessions.find(sessions.storedIdOf(cookieValue), s.now())
}

/** Asserts `page` shows the logged-out landing page with the Telegram Login Widget. */
async function expectLoginWidget(page: Page, s: TestSite): Promise<void> {
  const widget = page.locator('script[data-telegram-login]')
  expect(await widget.count()).toBe(1)
  expect(await widget.getAttribute('src')).toMatch(/^https:\/\/telegram\.org\/js\/telegram-widget\.js(\?|$)/)
  expect(await widget.getAttribute('data-telegram-login')).toBe(TEST_BOT_USERNAME)
  expect(await widget.getAttribute('data-auth-url')).toBe(`${s.config.publicUrl}/auth/telegram`)
  expect(await widget.getAttribute('data-request-access')).toBe('write')
  const botLink = page.locator('#bot-link')
  expect(await botLink.getAttribute('href')).toBe(`https://t.me/${TEST_BOT_USERNAME}`)
  expect((await botLink.textContent())?.trim()).toBe(`@${TEST_BOT_USERNAME}`)
  expect(await page.locator('form[action="/logout"]').count()).toBe(0)
}

describe('logging in with a signed Telegram login URL, in Chromium', () => {
  it('opens /, follows a signed login URL, sees its (escaped) name on /me, and logs out', async () => {
    const s = theSite()
    const { page, context, blocked } = await newPage()

    // Everything the browser reports about our own page: CSP violations, script errors, failures.
    const problems = await watchPageProblems(page, s.url)
    const stylesheet = page.waitForResponse(`${s.url}/static/site.css`)

    // 1. The landing page, with the widget configured for our bot and auth URL.
    const landing = await visit(page, `${s.url}/`)
    expect(landing.status()).toBe(200)
    expect(page.url()).toBe(`${s.url}/`)
    await expectLoginWidget(page, s)
    expect((await stylesheet).status()).toBe(200)
    // The stylesheet was not only fetched but applied (a CSP block would leave no rules).
    expect(
      await page.evaluate(() => Array.from(document.styleSheets).reduce((n, sheet) => n + sheet.cssRules.length, 0)),
    ).toBeGreaterThan(0)
    // The widget script was requested (CSP allows telegram.org) and our offline rule blocked it.
    await expect.poll(() => blocked.some((url) => url.startsWith(TELEGRAM_WIDGET))).toBe(true)
    await expectNoPageProblems(problems)

    // 2. A correctly signed login whose name looks like HTML: shown as text, never as markup.
    const loginUrl = s.loginUrl({ id: '1815', first_name: '<b>Ada</b>', last_name: 'Lovelace', username: 'ada_l' })
    const profile = await visit(page, loginUrl)
    expect(profile.status()).toBe(200)
    expect(redirectChain(profile)).toEqual([loginUrl])
    expect(page.url()).toBe(`${s.url}/me`)
    expect(await page.locator('#member-name').textContent()).toBe('<b>Ada</b> Lovelace')
    expect(await page.locator('#member-name b').count()).toBe(0)
    expect(await page.locator('b').count()).toBe(0)
    expect(await page.title()).toBe('<b>Ada</b> Lovelace · karmagate')
    expect(await page.locator('header nav a[href="/me"]').textContent()).toBe('<b>Ada</b> Lovelace')
    expect(await page.locator('#member-username').textContent()).toBe('@ada_l')
    expect((await page.locator('#member-karma').textContent())?.trim()).toBe('0')
    const sessionId = await sessionCookieValue(context, s.url)
    expect(sessionId).toBeDefined()
    expect(typeof (await storedSession(s, sessionId!))?.userId).toBe('number')

    // 3. Log out with the button: back on / with the widget, session gone on both sides.
    const logoutResponse = page.waitForResponse((r) => r.url() === `${s.url}/logout`)
    await Promise.all([page.waitForURL(`${s.url}/`), page.getByRole('button', { name: 'Log out' }).click()])
    expect((await logoutResponse).status()).toBe(303)
    expect((await logoutResponse).request().method()).toBe('POST')
    await expectLoginWidget(page, s)
    expect(await page.locator('#member-name').count()).toBe(0)
    expect(await sessionCookieValue(context, s.url)).toBeUndefined()
    expect(await storedSession(s, sessionId!)).toBeUndefined()

    const afterLogout = await visit(page, `${s.url}/me`)
    expect(redirectChain(afterLogout)).toEqual([`${s.url}/me`])
    expect(page.url()).toBe(`${s.url}/`)
    await expectLoginWidget(page, s)

    expect(problems.csp).toEqual([])
    expect(problems.pageErrors).toEqual([])
    expect(problems.failedOwnRequests).toEqual([])
  })

  it('refuses an already used login URL with a readable 401 page and no session', async () => {
    const s = theSite()
    const loginUrl = s.loginUrl({ id: '1906', first_name: 'Grace', last_name: 'Hopper', username: 'grace_h' })

    const first = await newPage()
    await visit(first.page, loginUrl)
    expect(first.page.url()).toBe(`${s.url}/me`)

    // The same browser opens the link again: refused, readable.
    const again = await visit(first.page, loginUrl)
    expect(again.status()).toBe(401)
    expect(again.url()).toBe(loginUrl)
    expect(await first.page.locator('main h1').textContent()).toBe('Login refused')
    expect(await first.page.locator('main').textContent()).toContain(
      'This login link has already been used. Please log in again.',
    )
    expect(await first.page.locator('main').textContent()).toContain('Error 401')
    expect(await first.page.locator('main a[href="/"]').count()).toBe(1)

    // Another browser (say, the link leaked) gets the same refusal and is not logged in.
    const other = await newPage()
    const replay = await visit(other.page, loginUrl)
    expect(replay.status()).toBe(401)
    expect(await other.page.locator('main').textContent()).toContain('This login link has already been used')
    expect(await sessionCookieValue(other.context, s.url)).toBeUndefined()
    await visit(other.page, `${s.url}/me`)
    expect(other.page.url()).toBe(`${s.url}/`)
    await expectLoginWidget(other.page, s)
  })

  it('keeps the return path of a visitor who opened /me before logging in', async () => {
    const s = theSite()
    const { page, context } = await newPage()

    const redirected = await visit(page, `${s.url}/me`)
    expect(redirectChain(redirected)).toEqual([`${s.url}/me`])
    expect(page.url()).toBe(`${s.url}/`)
    await expectLoginWidget(page, s)
    // The visitor's session remembers where they were going (the URL alone cannot tell: /me is also the default).
    const visitorId = await sessionCookieValue(context, s.url)
    expect(visitorId).toBeDefined()
    const visitor = await storedSession(s, visitorId!)
    expect(visitor).toMatchObject({ userId: null, data: { returnTo: '/me' } })

    const loginUrl = s.loginUrl({ id: '1912', first_name: 'Alan', last_name: 'Turing', username: 'alan_t' })
    const profile = await visit(page, loginUrl)
    expect(profile.status()).toBe(200)
    expect(redirectChain(profile)).toEqual([loginUrl])
    expect(page.url()).toBe(`${s.url}/me`)
    expect(await page.locator('#member-name').textContent()).toBe('Alan Turing')

    // The login rotated the session: the visitor's one is gone, the new one is the member's.
    const memberId = await sessionCookieValue(context, s.url)
    expect(memberId).toBeDefined()
    expect(memberId).not.toBe(visitorId)
    expect(await storedSession(s, visitorId!)).toBeUndefined()
    const member = await storedSession(s, memberId!)
    expect(typeof member?.userId).toBe('number')
    expect(member?.data).toEqual({})
  })
})

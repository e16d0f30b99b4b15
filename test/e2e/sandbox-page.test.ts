/**
 * The sandbox page in a real browser (headless Debian Chromium), under the site's CSP: a
 * newcomer creates a member, talks to a real grammY bot through the emulator, taps its
 * Seamless Login button, confirms Telegram's dialog and lands on the site with a login the
 * verifier accepts. Only 127.0.0.1 is reachable.
 */
import { Bot, InlineKeyboard } from 'grammy'
import { securityHeaders } from '../../src/web/security-headers.js'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createLoginVerifier } from '../../src/login/verify.js'
import { escapeHtml } from '../../src/web/views/html.js'
import { launchChromium, newLocalContext } from '../support/browser.js'
import { type RunningEmulator, startEmulator } from '../support/emulator.js'
import { TEST_BOT_TOKEN } from '../support/site.js'

let browser: Promise<Browser> | undefined
const cleanups: (() => Promise<void>)[] = []
const contexts: BrowserContext[] = []

afterAll(async () => {
  const launched = await browser?.catch(() => undefined)
  await launched?.close()
})

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()))
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** The site's own security headers, over plain http. */
const siteHelmet = () => securityHeaders({ https: false })

interface Sandbox {
  readonly emu: RunningEmulator
  /** Raw query strings that reached the site's login route. */
  readonly logins: string[]
}

/**
 * The emulator under the site's CSP with a login route that records its query, and a grammY
 * bot polling it that answers /start with a login button to `loginPath` and has a callback button.
 */
async function startSandbox(loginHost = '127.0.0.1'): Promise<Sandbox> {
  const logins: string[] = []
  const emu = await startEmulator({ loginDomain: '127.0.0.1' }, (app) => {
    app.use(siteHelmet())
    app.get('/auth/telegram', (req, res) => {
      logins.push(req.originalUrl.slice(req.originalUrl.indexOf('?') + 1))
      res.type('html').send('<!doctype html><title>Logged in</title><h1 id="landed">Logged in</h1>')
    })
  })
  cleanups.push(() => emu.close())
  const port = new URL(emu.url).port
  const bot = new Bot(emu.token, { client: { apiRoot: emu.apiRoot } })
  bot.command('start', (ctx) =>
    ctx.reply(`Welcome, ${escapeHtml(ctx.from?.first_name ?? '')}! Log in to the <b>site</b>:`, {
      parse_mode: 'HTML',
      reply_markup: new InlineKeyboard()
        .login('Log in to karmagate', { url: `http://${loginHost}:${port}/auth/telegram`, request_write_access: true })
        .row()
        .text('My karma', 'karma'),
    }),
  )
  bot.callbackQuery('karma', (ctx) => ctx.answerCallbackQuery({ text: 'You have 10 karma' }))
  await bot.api.setMyCommands([{ command: 'start', description: 'Start' }])
  let ready: () => void = () => undefined
  const started = new Promise<void>((resolve) => {
    ready = resolve
  })
  const polling = bot.start({
    onStart: () => {
      ready()
    },
  })
  await started
  cleanups.push(async () => {
    await bot.stop()
    await polling
  })
  return { emu, logins }
}

/** A page that can reach only 127.0.0.1, recording CSP violations and script errors. */
async function openPage(): Promise<{ page: Page; cspProblems: string[]; pageErrors: string[] }> {
  browser ??= launchChromium()
  const { context } = await newLocalContext(await browser)
  contexts.push(context)
  const page = await context.newPage()
  const cspProblems: string[] = []
  const pageErrors: string[] = []
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) cspProblems.push(message.text())
  })
  page.on('pageerror', (error) => pageErrors.push(error.message))
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`Content Security Policy violation: ${e.effectiveDirective} ${e.blockedURI}`)
    })
  })
  return { page, cspProblems, pageErrors }
}

async function createMember(page: Page, firstName: string, lastName: string, username: string): Promise<void> {
  await page.getByTestId('member-first-name').fill(firstName)
  await page.getByTestId('member-last-name').fill(lastName)
  await page.getByTestId('member-username').fill(username)
  await page.getByTestId('create-member').click()
  await expect.poll(() => page.getByTestId('chat-as').textContent()).toBe(`${firstName} ${lastName}`)
}

describe('the Telegram sandbox page, in Chromium', () => {
  it('creates a member, starts the bot, logs in with its login button and lands on the site with a verified login', async () => {
    const { emu, logins } = await startSandbox()
    const { page, cspProblems, pageErrors } = await openPage()
    const response = await page.goto(`${emu.url}/sandbox`)
    expect(response?.status()).toBe(200)
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self' https://telegram.org")
    // The stylesheet is applied (a CSP block would leave no rules).
    await expect
      .poll(() => page.evaluate(() => Array.from(document.styleSheets).reduce((n, s) => n + s.cssRules.length, 0)))
      .toBeGreaterThan(0)

    // A name that looks like markup stays text everywhere.
    await createMember(page, '<b>Ada</b>', 'Lovelace', 'ada_l')
    expect(await page.getByTestId('member').first().textContent()).toBe('<b>Ada</b> Lovelace @ada_l')
    expect(await page.locator('.member-list b').count()).toBe(0)

    await page.getByTestId('start-button').click()
    const reply = page.locator('[data-testid="message"][data-from="bot"]')
    await expect.poll(() => reply.count(), { timeout: 5000 }).toBe(1)
    expect(await reply.getByTestId('message-text').textContent()).toBe('Welcome, <b>Ada</b>! Log in to the site:')
    // HTML parse mode became a bold entity, drawn as an element; the name stayed text.
    expect(await reply.locator('strong').textContent()).toBe('site')
    expect(
      await page.locator('[data-testid="message"][data-from="user"]').getByTestId('message-text').textContent(),
    ).toBe('/start')
    await expect.poll(() => page.getByTestId('command').allTextContents()).toEqual(['/start'])

    // A callback button shows the bot's answer.
    await reply.getByRole('button', { name: 'My karma' }).click()
    await expect.poll(() => page.getByTestId('toast').textContent(), { timeout: 5000 }).toBe('You have 10 karma')

    // The login button opens Telegram's dialog; Cancel closes it and logs nobody in.
    const dialog = page.getByTestId('login-dialog')
    await reply.getByRole('button', { name: /Log in to karmagate/ }).click()
    await expect.poll(() => dialog.isVisible()).toBe(true)
    await page.getByTestId('login-cancel').click()
    await expect.poll(() => dialog.isVisible()).toBe(false)
    expect(logins).toEqual([])
    await reply.getByRole('button', { name: /Log in to karmagate/ }).click()
    await expect.poll(() => dialog.isVisible()).toBe(true)
    expect(await page.getByTestId('login-title').textContent()).toBe('Log in to 127.0.0.1 as <b>Ada</b> Lovelace')
    expect(await page.getByTestId('login-write-label').textContent()).toBe(
      'Allow Karmagate Sandbox to send me messages',
    )
    expect(await page.getByTestId('login-allow-write').isChecked()).toBe(true)
    expect(cspProblems).toEqual([])
    expect(pageErrors).toEqual([])

    await Promise.all([page.waitForURL(/\/auth\/telegram\?/), page.getByTestId('login-confirm').click()])
    expect(await page.locator('#landed').textContent()).toBe('Logged in')
    expect(logins).toHaveLength(1)
    const verifier = createLoginVerifier({ botToken: TEST_BOT_TOKEN, maxAgeSeconds: 600 })
    const verified = verifier.verify(logins[0]!, Math.floor(Date.now() / 1000))
    expect(verified).toMatchObject({
      ok: true,
      login: { firstName: '<b>Ada</b>', lastName: 'Lovelace', username: 'ada_l' },
    })
    const member = emu.emulator.users()[0]!
    expect(verified.ok && verified.login.telegramId).toBe(member.id)
    expect(member.allowsWriteToPm).toBe(true)
    expect(cspProblems).toEqual([])
    expect(pageErrors).toEqual([])
  })

  it('says "Bot domain invalid" for a login button to another host, and blocking the bot disables the composer', async () => {
    const { emu, logins } = await startSandbox('localhost')
    const { page, cspProblems, pageErrors } = await openPage()
    await page.goto(`${emu.url}/sandbox`)
    await createMember(page, 'Grace', 'Hopper', 'grace_h')
    await page.getByTestId('composer-input').fill('/start')
    await page.getByTestId('composer-send').click()
    const reply = page.locator('[data-testid="message"][data-from="bot"]')
    await expect.poll(() => reply.count(), { timeout: 5000 }).toBe(1)
    await reply.getByRole('button', { name: /Log in to karmagate/ }).click()
    await expect.poll(() => page.getByTestId('alert-dialog').isVisible()).toBe(true)
    expect(await page.getByTestId('alert-text').textContent()).toBe('Bot domain invalid')
    await page.getByTestId('alert-ok').click()
    expect(await page.getByTestId('login-dialog').isVisible()).toBe(false)
    expect(logins).toEqual([])
    expect(page.url()).toBe(`${emu.url}/sandbox`)

    // Blocking the bot disables the composer; the bot's messages are then refused.
    await page.getByTestId('block-toggle').click()
    await expect.poll(() => page.getByTestId('blocked-note').isVisible()).toBe(true)
    expect(await page.getByTestId('composer-input').isDisabled()).toBe(true)
    expect(emu.emulator.users()[0]?.blockedBot).toBe(true)
    expect(cspProblems).toEqual([])
    expect(pageErrors).toEqual([])
  })
})

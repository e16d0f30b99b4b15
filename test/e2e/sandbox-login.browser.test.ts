import type { Browser } from 'playwright-core'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { launchChromium, newLocalContext } from '../support/browser.js'
import { freePort, startTestWebProcess, type TestWebProcess } from '../support/web-process.js'

let browser: Browser | undefined
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
afterAll(async () => {
  await browser?.close()
})

/** The sandbox exactly as `npm start` runs it without a token: site, bot and emulator in one process. */
async function startSandbox(): Promise<TestWebProcess> {
  const port = await freePort()
  const web = await startTestWebProcess({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${String(port)}` })
  cleanups.push(() => web.close())
  expect(web.emulator).toBeDefined()
  await web.botStarted
  return web
}

describe('the sandbox in Chromium', () => {
  it('a newcomer creates a member, sends /start, taps the login button, confirms, and lands on /me', async () => {
    const web = await startSandbox()
    browser ??= await launchChromium()
    const { context } = await newLocalContext(browser)
    cleanups.push(() => context.close())
    const page = await context.newPage()
    const cspViolations: string[] = []
    page.on('console', (msg) => {
      if (msg.text().includes('Content Security Policy')) cspViolations.push(msg.text())
    })

    expect((await page.goto(`${web.config.publicUrl}/sandbox`))?.status()).toBe(200)
    await page.getByTestId('member-first-name').fill('Grace')
    await page.getByTestId('member-last-name').fill('Hopper')
    await page.getByTestId('member-username').fill('grace_h')
    await page.getByTestId('create-member').click()
    await expect.poll(() => page.getByTestId('chat-as').textContent()).toBe('Grace Hopper')

    await page.getByTestId('composer-input').fill('/start')
    await page.getByTestId('composer-send').click()
    const reply = page.locator('[data-testid="message"][data-from="bot"]').first()
    await reply.waitFor({ timeout: 10_000 })
    expect(await reply.getByTestId('message-text').textContent()).toMatch(/^Welcome!/)

    await reply.getByRole('button', { name: 'Log in to the site' }).click()
    await expect.poll(() => page.getByTestId('login-title').textContent()).toBe('Log in to 127.0.0.1 as Grace Hopper')
    expect(await page.getByTestId('login-write-label').textContent()).toBe(
      'Allow Karmagate Sandbox to send me messages',
    )
    await Promise.all([page.waitForURL(/\/me$/), page.getByTestId('login-confirm').click()])

    expect(await page.locator('#member-name').textContent()).toBe('Grace Hopper')
    expect(await page.locator('#member-username').textContent()).toBe('@grace_h')
    expect(await page.locator('#member-karma').textContent()).toBe('0')
    const member = await web.store.members.findByTelegramId(100001)
    expect(member).toMatchObject({ firstName: 'Grace', canDm: true })
    expect(member?.lastLoginAt).not.toBeNull()
    expect(cspViolations).toEqual([])
  })
})

/**
 * The whole membership flow in the sandbox, in headless Chromium, over one web process (site,
 * bot, job runners, the Telegram emulator and its emulated account): an admin logs in through
 * the sandbox page and sets a rule with a new chat on the admin site; the emulated account
 * creates the chat; a REST API call raises a member's karma over the line; the member sees the
 * bot's invite in their sandbox chat, taps "Join", and the bot approves the join request.
 * Only 127.0.0.1 is reachable, and no page may violate the CSP.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import {
  expectNoPageProblems,
  launchChromium,
  newLocalContext,
  type PageProblems,
  watchPageProblems,
} from '../support/browser.js'
import { freePort, startTestWebProcess, type TestWebProcess } from '../support/web-process.js'

/**
 * Emulated users get ids from 100001 in creation order: the admin is created first. (The
 * emulated account that creates chats is a user too, made with the first chat.)
 */
const ADMIN_ID = 100_001
const CHAT_TITLE = 'Inner circle'

let browser: Promise<Browser> | undefined
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
afterAll(async () => {
  const launched = await browser?.catch(() => undefined)
  await launched?.close()
})

/** A page in a fresh context of its own (own cookies and storage), watched for problems. */
async function newPage(web: TestWebProcess): Promise<{ page: Page; problems: PageProblems }> {
  browser ??= launchChromium()
  const { context } = await newLocalContext(await browser)
  cleanups.push(() => context.close())
  const page = await context.newPage()
  return { page, problems: await watchPageProblems(page, web.config.publicUrl) }
}

/** On the sandbox page: creates an emulated member, selects them and sends `/start`. */
async function newMemberWhoStartedTheBot(
  page: Page,
  web: TestWebProcess,
  firstName: string,
  lastName: string,
): Promise<void> {
  expect((await page.goto(`${web.config.publicUrl}/sandbox`))?.status()).toBe(200)
  await page.getByTestId('member-first-name').fill(firstName)
  await page.getByTestId('member-last-name').fill(lastName)
  await page.getByTestId('create-member').click()
  await expect.poll(() => page.getByTestId('chat-as').textContent()).toBe(`${firstName} ${lastName}`)
  await page.getByTestId('composer-input').fill('/start')
  await page.getByTestId('composer-send').click()
  const welcome = page.locator('[data-testid="message"][data-from="bot"]').first()
  await welcome.waitFor()
  expect(await welcome.getByTestId('message-text').textContent()).toMatch(/^Welcome!/)
}

describe('membership in the sandbox, in Chromium', () => {
  it('an admin sets a rule, an API call raises a member’s karma, the member taps the invite and is approved', async () => {
    const port = await freePort()
    const web = await startTestWebProcess({
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${String(port)}`,
      ADMIN_TELEGRAM_IDS: String(ADMIN_ID),
      LOG_LEVEL: 'info',
    })
    cleanups.push(() => web.close())
    const tg = web.emulator!
    expect(tg).toBeDefined()
    await web.botStarted
    const site = web.config.publicUrl

    // 1. The admin: a new emulated member, /start, the bot's login button, confirm, on /me.
    const admin = await newPage(web)
    await newMemberWhoStartedTheBot(admin.page, web, 'Root', 'Admin')
    expect(tg.users().map((u) => u.id)).toEqual([ADMIN_ID])
    const welcome = admin.page.locator('[data-testid="message"][data-from="bot"]').first()
    await welcome.getByRole('button', { name: 'Log in to the site' }).click()
    await expect
      .poll(() => admin.page.getByTestId('login-title').textContent())
      .toBe('Log in to 127.0.0.1 as Root Admin')
    await Promise.all([admin.page.waitForURL(`${site}/me`), admin.page.getByTestId('login-confirm').click()])
    expect(await admin.page.locator('#member-name').textContent()).toBe('Root Admin')
    await expectNoPageProblems(admin.problems)

    // 2. A rule with a new chat, from the admin site's rules page.
    expect((await admin.page.goto(`${site}/admin`))?.status()).toBe(200)
    await admin.page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Rules' }).click()
    await admin.page.getByRole('link', { name: 'New rule' }).click()
    expect(await admin.page.locator('#rule-chat').inputValue()).toBe('new')
    await admin.page.locator('#chat-title').fill(CHAT_TITLE)
    await admin.page.locator('#rule-min').fill('100')
    await admin.page.getByRole('button', { name: 'Create rule' }).click()
    await admin.page.waitForURL(`${site}/admin/rules?done=created`)
    expect(await admin.page.locator('#rules tbody tr').first().textContent()).toContain(CHAT_TITLE)
    const [rule] = await web.store.rules.list()
    expect(rule).toMatchObject({ minKarma: 100, removeBelow: null, enabled: true })
    await expectNoPageProblems(admin.problems)

    // 3. The emulated account creates the chat and makes the bot an admin; the chats page shows it.
    const chatRow = admin.page.locator(`#chats tr[data-chat="${String(rule!.chatId)}"]`)
    await expect
      .poll(
        async () => {
          await admin.page.goto(`${site}/admin/chats`)
          return `${(await chatRow.locator('.state').textContent()) ?? ''} / ${(await chatRow.locator('td').nth(6).textContent()) ?? ''}`
        },
        { timeout: 10_000, interval: 250 },
      )
      .toBe('active / invite, remove')
    const chat = await web.store.chats.findById(rule!.chatId)
    const telegramChatId = chat!.telegramChatId!
    await expectNoPageProblems(admin.problems)

    // 4. The member: created second on the sandbox page, /start so the bot may write to them.
    const member = await newPage(web)
    await newMemberWhoStartedTheBot(member.page, web, 'Ada', 'Lovelace')
    const memberUserId = tg.users().find((u) => u.firstName === 'Ada')!.id
    expect(memberUserId).toBeGreaterThan(ADMIN_ID)
    expect(tg.memberStatus(telegramChatId, memberUserId)).toBe('left')
    expect((await web.store.members.findByTelegramId(memberUserId))?.karma).toBe(0)

    // 5. The community's website raises the member's karma through the REST API.
    const { secret } = await web.store.apiKeys.create('community site', Date.now())
    const response = await fetch(`${site}/api/v1/karma-events`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({
        member: { telegramId: memberUserId },
        delta: 150,
        reason: 'answer accepted',
        idempotencyKey: 'site-991',
      }),
    })
    expect(response.status).toBe(201)
    expect(await response.json()).toMatchObject({ member: { telegramId: memberUserId, karma: 150 } })

    // 6. The bot's invite appears in the member's sandbox chat; tapping it asks to join.
    const invite = member.page.locator('[data-testid="message"][data-from="bot"]', { hasText: CHAT_TITLE })
    await invite.waitFor({ timeout: 10_000 })
    expect(await invite.getByTestId('message-text').textContent()).toContain('Your karma (150) opens the private chat')
    const join = invite.getByRole('button', { name: `Join ${CHAT_TITLE}` })
    expect(await join.getAttribute('data-kind')).toBe('url')
    await join.click()
    await expect
      .poll(() => member.page.locator('#toast').textContent())
      .toBe('Join request sent. The group admins will review it.')

    // 7. The bot approves: the member is in the chat, in Telegram and in the store.
    await expect
      .poll(() => tg.memberStatus(telegramChatId, memberUserId), { timeout: 10_000, interval: 100 })
      .toBe('member')
    const memberId = (await web.store.members.findByTelegramId(memberUserId))!.id
    await expect
      .poll(async () => (await web.store.memberships.get(memberId, rule!.chatId))?.state, {
        timeout: 5000,
        interval: 100,
      })
      .toBe('member')
    expect(tg.joinRequests(telegramChatId)).toEqual([])

    // The admin's dashboard counts them in the chat.
    await admin.page.goto(`${site}/admin`)
    expect(await admin.page.locator('#rule-summary td[data-state="member"]').textContent()).toBe('1')
    await expectNoPageProblems(admin.problems)
    await expectNoPageProblems(member.problems)
  }, 30_000)
})

/**
 * The admin site in headless Chromium: an admin logs in with a signed login URL, creates a rule
 * with a new chat, raises a member's karma over its threshold and finds the invite queued, with
 * the CSP (no inline script or style) never violated. Only 127.0.0.1 is reachable.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { expectNoPageProblems, type PageProblems, useBrowserSite, watchPageProblems } from '../support/browser.js'
import type { TestSite } from '../support/site.js'

const ADMIN_ID = 1001
const MEMBER_TELEGRAM_ID = 424_242

const browserSite = useBrowserSite({ ADMIN_TELEGRAM_IDS: String(ADMIN_ID) })
const theSite = () => browserSite.site()

async function newPage(s: TestSite): Promise<{ page: Page; problems: PageProblems }> {
  const { context } = await browserSite.newContext()
  const page = await context.newPage()
  const problems = await watchPageProblems(page, s.url)
  return { page, problems }
}

describe('the admin site, in Chromium', () => {
  it('creates a chat and a rule, raises a member over the threshold, and finds the invite queued', async () => {
    const s = theSite()
    const memberId = await s.store.members.recordBotContact(
      { telegramId: MEMBER_TELEGRAM_ID, firstName: '<i>Ada</i>', lastName: 'Lovelace', username: 'ada_l' },
      s.now(),
    )
    const { page, problems } = await newPage(s)

    // 1. Log in as the admin, then open the dashboard: the admin stylesheet is applied.
    await page.goto(s.loginUrl({ id: String(ADMIN_ID), first_name: 'Root', username: 'root' }))
    expect(page.url()).toBe(`${s.url}/me`)
    const dashboard = await page.goto(`${s.url}/admin`)
    expect(dashboard?.status()).toBe(200)
    expect(await page.locator('main h1').textContent()).toBe('Dashboard')
    expect(await page.locator('.admin-menu').evaluate((el) => getComputedStyle(el).display)).toBe('flex')
    expect(await page.locator('#karma-histogram').isVisible()).toBe(true)
    await expectNoPageProblems(problems)

    // 2. A new rule with a new chat, from the rules page.
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Rules' }).click()
    await page.getByRole('link', { name: 'New rule' }).click()
    expect(page.url()).toBe(`${s.url}/admin/rules/new`)
    expect(await page.locator('#rule-chat').inputValue()).toBe('new')
    // A refused form first: the message sits next to its field, and the typed values stay.
    await page.locator('#chat-title').fill('Inner circle')
    await page.locator('#rule-min').fill('100')
    await page.locator('#rule-remove').fill('150')
    await page.getByRole('button', { name: 'Create rule' }).click()
    expect(await page.locator('#removeBelow-error').textContent()).toContain('cannot be above the minimum karma')
    expect(await page.locator('#chat-title').inputValue()).toBe('Inner circle')
    await page.locator('#rule-remove').fill('50')
    await page.getByRole('button', { name: 'Create rule' }).click()
    await page.waitForURL(`${s.url}/admin/rules?done=created`)
    expect(await page.locator('.notice').textContent()).toContain('Rule created.')
    const ruleRow = page.locator('#rules tbody tr').first()
    expect(await ruleRow.textContent()).toContain('Inner circle')
    expect(await ruleRow.locator('.state').textContent()).toBe('pending')
    const [rule] = await s.store.rules.list()
    expect(rule).toMatchObject({ minKarma: 100, removeBelow: 50, enabled: true })

    // The worker's part, which this test plays: the chat now exists in Telegram.
    await s.store.chats.markActive(rule!.chatId, -1001000000001, s.now())
    await s.store.chats.setInviteLink(rule!.chatId, 'https://t.me/+inviteLink', s.now())

    // 3. Find the member and raise their karma over the line.
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Members' }).click()
    await page.locator('#member-search').fill('ada')
    await page.getByRole('button', { name: 'Search' }).click()
    const memberLink = page.locator(`#members tr[data-member="${String(memberId)}"] a`)
    expect(await memberLink.textContent()).toBe('<i>Ada</i> Lovelace')
    expect(await page.locator('#members i').count()).toBe(0)
    await memberLink.click()
    expect(page.url()).toBe(`${s.url}/admin/members/${String(memberId)}`)
    await page.locator('#karma-delta').fill('+150')
    await page.locator('#karma-reason').fill('answered every question')
    await page.getByRole('button', { name: 'Adjust karma' }).click()
    await page.waitForURL(`${s.url}/admin/members/${String(memberId)}?done=karma`)
    expect(await page.locator('#member-karma').textContent()).toBe('150')
    expect(await page.locator('#ledger tbody tr').first().textContent()).toContain('answered every question')
    expect(await page.locator('#memberships tbody tr').first().textContent()).toContain('eligible')

    // 4. The invite waits on the jobs page.
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Jobs' }).click()
    const invite = page.locator('#jobs tr[data-kind="member.invite"]')
    expect(await invite.count()).toBe(1)
    expect(await invite.getAttribute('data-state')).toBe('queued')
    expect(await invite.textContent()).toContain(`"memberId":${String(memberId)}`)

    // 5. The dashboard draws the rule's lines over the histogram.
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Dashboard' }).click()
    expect(await page.locator(`#karma-histogram g.rule-min[data-rule="${String(rule!.id)}"]`).count()).toBe(1)
    expect(await page.locator(`#karma-histogram g.rule-remove[data-rule="${String(rule!.id)}"]`).count()).toBe(1)
    expect(await page.locator('#rule-summary td[data-state="eligible"]').textContent()).toBe('1')
    await expectNoPageProblems(problems)
  })

  it('refuses a member who is not an admin with a readable 403 page', async () => {
    const s = theSite()
    const { page, problems } = await newPage(s)
    await page.goto(s.loginUrl({ id: '2002', first_name: 'Mallory' }))
    const refused = await page.goto(`${s.url}/admin/members`)
    expect(refused?.status()).toBe(403)
    expect(await page.locator('main h1').textContent()).toBe('Forbidden')
    expect(await page.locator('main').textContent()).toContain('for the site’s admins only')
    await expectNoPageProblems(problems)
  })
})

/**
 * The dashboard (`/admin`): the worker's account, pause and login canary, and the karma histogram
 * with each enabled rule's thresholds.
 */
import { describe, expect, it } from 'vitest'
import { addMember, admin, now, site } from './kit.js'
import { appendKarmaEvent } from '../../../src/karma/append.js'
import { deadJob } from '../../support/store.js'

describe('the worker on the dashboard', () => {
  it('says when no account is logged in, then who is, and a pause with its reason (escaped)', async () => {
    const s = await site()
    const client = await admin(s)
    expect((await client.page('/admin')).body).toContain('No Telegram account is logged in yet')
    const now = Date.now()
    await s.store.workerState.recordSeen(777, '<b>Gate</b> Keeper', now)
    await s.store.workerState.setPause(now + 3_600_000, 'PEER_FLOOD')
    const { body } = await client.page('/admin')
    expect(body).toContain('Logged in as <strong>&lt;b&gt;Gate&lt;/b&gt; Keeper</strong> (id 777)')
    expect(body).toMatch(/id="worker-paused">Paused until [^<]*?: PEER_FLOOD\./)
    await s.store.workerState.setPause(null, null)
    expect((await client.page('/admin')).body).not.toContain('worker-paused')
    expect((await client.page('/admin')).body).toContain('The login canary has not run')
  })

  it("shows Telegram's holds of the bot or the account while they last", async () => {
    const s = await site()
    const client = await admin(s)
    expect((await client.page('/admin')).body).not.toContain('id="hold-')
    await s.store.holds.extend('bot', Date.now() + 60_000, 'sendMessage: retry_after 60', Date.now())
    const { body } = await client.page('/admin')
    expect(body).toMatch(/id="hold-bot">Telegram calls of the bot wait until [^<]*: sendMessage: retry_after 60\./)
    expect(body).not.toContain('id="hold-worker"')
  })

  it("shows the login canary's last result", async () => {
    const s = await site()
    const client = await admin(s)
    const now = Date.now()
    await s.store.canary.record({
      ok: false,
      checkedAt: now,
      error: 'domain-not-linked: <set /setdomain>',
      durationMs: 812,
    })
    expect((await client.page('/admin')).body).toMatch(
      /id="canary">Login canary failed [^<]*: domain-not-linked: &lt;set \/setdomain&gt;/,
    )
    await s.store.canary.record({ ok: true, checkedAt: now, error: null, durationMs: 640 })
    expect((await client.page('/admin')).body).toMatch(/id="canary">Login canary passed [^<]*\(640 ms\)/)
  })
})

describe('dashboard', () => {
  it('draws the karma histogram in SVG with a line for each enabled rule’s thresholds', async () => {
    const s = await site()
    const client = await admin(s)
    const karma = [0, 0, 0, 5, 20, 45, 60, 120, 130, 350]
    for (const [i, k] of karma.entries()) {
      const id = await addMember(s, 20_000 + i, `M${String(i)}`)
      if (k !== 0)
        await appendKarmaEvent(
          s.store,
          { source: 'admin', actor: 'test' },
          { member: { memberId: id }, delta: k, reason: 'seed', idempotencyKey: `seed-${String(i)}` },
        )
    }
    const chat = await s.store.chats.create('Inner circle', '', now())
    const on = await s.store.rules.create({ groupId: null, chatId: chat.id, minKarma: 100, removeBelow: 50 }, now())
    const off = await s.store.rules.create(
      { groupId: null, chatId: chat.id, minKarma: 777, removeBelow: null, enabled: false },
      now(),
    )
    await deadJob(s.store, { kind: 'test.job', owner: 'worker', payload: {} }, 'boom', Date.now())

    const { body } = await client.page('/admin')
    expect(body).toMatch(/id="member-count">11</) // the ten and the admin
    const svg = /<svg id="karma-histogram"[\s\S]*?<\/svg>/.exec(body)?.[0]
    expect(svg).toBeDefined()
    expect(svg).not.toContain('style=')
    const bars = [...svg!.matchAll(/<rect class="bar"[^>]*data-from="(-?\d+)" data-count="(\d+)"/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ])
    expect(bars.reduce((sum, [, n]) => sum + n!, 0)).toBe(11)
    expect(bars.find(([from]) => from === 0)?.[1]).toBe(5) // 0, 0, 0, the admin's 0, and 5
    expect(svg).toContain(`data-rule="${String(on.id)}" data-kind="min" data-karma="100"`)
    expect(svg).toContain(`data-rule="${String(on.id)}" data-kind="remove" data-karma="50"`)
    expect(svg).toContain(`#${String(on.id)} in ≥ 100`)
    expect(svg).toContain(`#${String(on.id)} out &lt; 50`)
    expect(svg).toContain('stroke-dasharray="6 4"')
    expect(svg).not.toContain(`data-rule="${String(off.id)}"`)
    expect(body).toMatch(/<tr data-owner="worker">[\s\S]*?data-jobs="dead"><a href="\/admin\/jobs\?state=dead">1</)
    expect(body).toMatch(
      /<tr data-chat="\d+">\s*<td>Inner circle<\/td>\s*<td><span class="state state-pending">pending/,
    )
  })

  it('shows an empty dashboard without a histogram when nobody has karma', async () => {
    const s = await site()
    const client = await admin(s)
    const { res, body } = await client.page('/admin')
    expect(res.status).toBe(200)
    expect(body).toContain('id="karma-histogram"') // the admin is a member, at 0
    expect(body).toContain('No rules yet.')
  })
})

/**
 * `/admin/members`: karma adjustments (once per form), groups, search and paging, and escaping
 * the names members chose on every page that shows them.
 */
import { describe, expect, it } from 'vitest'
import { addMember, admin, ADMIN_ID, counts, now, site } from './kit.js'
import { appendKarmaEvent } from '../../../src/karma/append.js'

describe('members', () => {
  it('adjusts karma once per form, even when the form is submitted twice', async () => {
    const s = await site()
    const client = await admin(s)
    const memberId = await addMember(s, 7007, 'Ada')
    const page = await client.page(`/admin/members/${String(memberId)}`)
    const key = /name="idempotencyKey" value="([^"]+)"/.exec(page.body)?.[1]
    expect(key).toMatch(/^admin-[A-Za-z0-9_-]{22}$/)
    const fields = { _csrf: page.csrf, idempotencyKey: key!, delta: '+15', reason: 'great answer' }

    const first = await client.post(`/admin/members/${String(memberId)}/karma`, fields)
    expect(first.status).toBe(303)
    expect(first.headers.get('location')).toBe(`/admin/members/${String(memberId)}?done=karma`)
    const again = await client.post(`/admin/members/${String(memberId)}/karma`, fields)
    expect(again.status).toBe(303)
    expect(again.headers.get('location')).toBe(`/admin/members/${String(memberId)}?done=karma-again`)

    expect((await s.store.members.findById(memberId))?.karma).toBe(15)
    const events = await s.store.adminStats.recentKarmaEvents(memberId, 10)
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({
      delta: 15,
      reason: 'great answer',
      source: 'admin',
      actor: `admin:${String(ADMIN_ID)}`,
      karmaAfter: 15,
    })

    // Notices are ours, looked up by name: nothing inherited answers for `constructor`.
    expect((await client.page(`/admin/members/${String(memberId)}?done=constructor`)).body).not.toContain(
      'class="notice"',
    )
    const shown = await client.page(`/admin/members/${String(memberId)}?done=karma`)
    expect(shown.body).toContain('Karma adjusted.')
    expect(shown.body).toMatch(/id="member-karma">15</)
    expect(shown.body).toContain('great answer')
    // Each render carries a fresh key.
    expect(/name="idempotencyKey" value="([^"]+)"/.exec(shown.body)?.[1]).not.toBe(key)

    // The same key with other values is a conflict: nothing applied, a fresh key offered.
    const conflict = await client.post(`/admin/members/${String(memberId)}/karma`, { ...fields, delta: '+500' })
    expect(conflict.status).toBe(409)
    const conflictBody = await conflict.text()
    expect(conflictBody).toContain('already submitted with other values')
    expect(conflictBody).not.toContain(`value="${key!}"`)
    expect((await s.store.members.findById(memberId))?.karma).toBe(15)
  })

  it('refuses a bad adjustment with 400, the form kept, and nothing applied', async () => {
    const s = await site()
    const client = await admin(s)
    const memberId = await addMember(s, 7007, 'Ada')
    const before = counts(s)
    const cases: [Record<string, string>, string, string][] = [
      [{ delta: 'ten' }, 'delta', 'must be a whole number'],
      [{ delta: '0' }, 'delta', 'non-zero integer'],
      [{ delta: '2000000' }, 'delta', 'non-zero integer'],
      [{ delta: '1e3' }, 'delta', 'must be a whole number'],
      [{ reason: '   ' }, 'reason', 'reason must be 1 to 500 characters'],
      [{ reason: 'x'.repeat(501) }, 'reason', 'reason must be 1 to 500 characters'],
      [{ idempotencyKey: 'site-991' }, 'idempotencyKey', 'The form was incomplete'],
    ]
    for (const [override, field, message] of cases) {
      const page = await client.page(`/admin/members/${String(memberId)}`)
      const key = /name="idempotencyKey" value="([^"]+)"/.exec(page.body)![1]!
      const res = await client.post(`/admin/members/${String(memberId)}/karma`, {
        _csrf: page.csrf,
        idempotencyKey: key,
        delta: '+5',
        reason: 'kept <reason>',
        ...override,
      })
      expect(res.status, JSON.stringify(override)).toBe(400)
      const body = await res.text()
      expect(body).toContain(`id="${field}-error"`)
      expect(body).toContain(message)
      if (field !== 'reason') expect(body).toContain('value="kept &lt;reason&gt;"')
    }
    expect(counts(s)).toEqual(before)
    expect(
      (await client.submit('/admin/members', '/admin/members/999/karma', { delta: '1', reason: 'x' })).status,
    ).toBe(404)
  })

  it('sets groups from checkboxes, audited; an unknown group is refused and changes nothing', async () => {
    const s = await site()
    const client = await admin(s)
    const memberId = await addMember(s, 7007, 'Ada')
    const path = `/admin/members/${String(memberId)}`
    const res = await client.submit(path, `${path}/groups`, { groups: ['webmasters', 'clients'] })
    expect(res.status).toBe(303)
    expect((await s.store.groups.ofMember(memberId)).map((g) => g.slug)).toEqual(['clients', 'webmasters'])
    const page = await client.page(`${path}?done=groups`)
    expect(page.body).toContain('Groups saved.')
    expect(page.body).toContain('value="webmasters" checked')

    const refused = await client.submit(path, `${path}/groups`, { groups: ['clients', 'admins'] })
    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain('There is no group &quot;admins&quot;.')
    expect((await s.store.groups.ofMember(memberId)).map((g) => g.slug)).toEqual(['clients', 'webmasters'])

    expect((await client.submit(path, `${path}/groups`, {})).status).toBe(303)
    expect(await s.store.groups.ofMember(memberId)).toEqual([])
    expect((await s.store.audit.recent(10)).filter((e) => e.action === 'member.groups')).toHaveLength(2)
  })

  it('searches by name, @username, Telegram id and external id, 50 a page', async () => {
    const s = await site()
    const client = await admin(s)
    for (let i = 1; i <= 120; i++) await addMember(s, 10_000 + i, `Member ${String(i)}`, `user_${String(i)}`)
    await addMember(s, 424_242, 'Grace', 'grace_h', 'Hopper')
    await appendKarmaEvent(
      s.store,
      { source: 'api', actor: 'test' },
      { member: { externalId: 'site-77' }, delta: 5, reason: 'linked', idempotencyKey: 'k1' },
    )

    const rows = (body: string) => [...body.matchAll(/<tr data-member="(\d+)">/g)].map((m) => Number(m[1]))
    const first = await client.page('/admin/members')
    expect(rows(first.body)).toHaveLength(50)
    const next = /id="next-page" rel="next" href="([^"]+)"/.exec(first.body)?.[1]?.replaceAll('&amp;', '&')
    expect(next).toBeDefined()
    const second = await client.page(next!)
    expect(rows(second.body)).toHaveLength(50)
    expect(second.body).toContain('id="first-page"')
    const third = await client.page(
      /id="next-page" rel="next" href="([^"]+)"/.exec(second.body)![1]!.replaceAll('&amp;', '&'),
    )
    expect(rows(third.body)).toHaveLength(23) // 120 + Grace + the external member + the admin
    expect(third.body).not.toContain('id="next-page"')
    const all = [...rows(first.body), ...rows(second.body), ...rows(third.body)]
    expect(new Set(all).size).toBe(123)
    expect(all).toEqual([...all].sort((a, b) => b - a))
    expect(first.body).not.toContain('id="prev-page"')
    // And back: each page's "previous" link gives the page before it, row for row.
    const prevOf = (body: string) =>
      /id="prev-page" rel="prev" href="([^"]+)"/.exec(body)?.[1]?.replaceAll('&amp;', '&')
    const backToSecond = await client.page(prevOf(third.body)!)
    expect(rows(backToSecond.body)).toEqual(rows(second.body))
    expect(backToSecond.body).toContain('id="next-page"')
    const backToFirst = await client.page(prevOf(backToSecond.body)!)
    expect(rows(backToFirst.body)).toEqual(rows(first.body))
    expect(backToFirst.body).not.toContain('id="prev-page"')
    expect(backToFirst.body).not.toContain('id="first-page"')
    expect(/id="next-page" rel="next" href="([^"]+)"/.exec(backToFirst.body)?.[1]).toBe(
      /id="next-page" rel="next" href="([^"]+)"/.exec(first.body)?.[1],
    )

    const search = async (q: string) => rows((await client.page(`/admin/members?q=${encodeURIComponent(q)}`)).body)
    const grace = (await s.store.members.findByTelegramId(424_242))!.id
    expect(await search('grace hop')).toEqual([grace])
    expect(await search('@GRACE')).toEqual([grace])
    expect(await search('424242')).toEqual([grace])
    expect(await search('site-77')).toHaveLength(1)
    expect(await search('@user_11')).toHaveLength(11) // user_11, user_110 … user_119
    expect(await search('Member 12')).toHaveLength(2) // Member 12 and Member 120
    expect(await search('100%')).toEqual([]) // a literal %, not a wildcard
    expect(await search('nobody')).toEqual([])
    expect(await search('@user_1')).toHaveLength(32) // user_1, user_10 … 19, user_100 … 120: `_` is no wildcard
    const paged = await client.page('/admin/members?q=%40user')
    expect(rows(paged.body)).toHaveLength(50)
    expect(paged.body).toContain('href="/admin/members?q=%40user&amp;before=')
    // A search keeps its words on the way back too.
    const pagedNext = await client.page(
      /id="next-page" rel="next" href="([^"]+)"/.exec(paged.body)![1]!.replaceAll('&amp;', '&'),
    )
    expect(pagedNext.body).toContain('href="/admin/members?q=%40user&amp;after=')
    expect(rows((await client.page(prevOf(pagedNext.body)!)).body)).toEqual(rows(paged.body))

    const tooLong = await client.get(`/admin/members?q=${'x'.repeat(101)}`)
    expect(tooLong.status).toBe(400)
    expect(await tooLong.text()).toContain('at most 100 characters')
    expect((await client.get('/admin/members?before=abc')).status).toBe(400)
    expect((await client.get('/admin/members?after=abc')).status).toBe(400)
    expect((await client.get('/admin/members?before=5&after=2')).status).toBe(400)
    expect((await client.get('/admin/members?q=a&q=b')).status).toBe(400)
    expect((await client.get('/admin/members/999')).status).toBe(404)
  })

  it('escapes what members chose as names on every page that shows them', async () => {
    const s = await site()
    const client = await admin(s)
    const evil = '<script>alert(1)</script>'
    const memberId = await addMember(
      s,
      6006,
      `<img src=x onerror=alert(1)>${evil}`,
      'x"><svg onload=alert(1)>',
      `"'&${evil}`,
    )
    await appendKarmaEvent(
      s.store,
      { source: 'admin', actor: `<b>api</b>` },
      { member: { memberId }, delta: 100, reason: evil, idempotencyKey: 'xss-1' },
    )
    await s.store.chats.create(evil, evil, now())
    await s.store.apiKeys.create(evil, now())
    for (const path of [
      '/admin',
      '/admin/members',
      `/admin/members/${String(memberId)}`,
      '/admin/members?q=%3Cscript',
      '/admin/chats',
      '/admin/rules/new',
      '/admin/api-keys',
      '/admin/audit',
    ]) {
      const { body } = await client.page(path)
      expect(body, path).not.toContain('<script')
      expect(body, path).not.toContain('<img')
      expect(body, path).not.toContain('<svg onload')
      expect(body, path).not.toContain('<b>api')
    }
    const detail = (await client.page(`/admin/members/${String(memberId)}`)).body
    expect(detail).toContain(
      '&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(1)&lt;/script&gt; &quot;&#39;&amp;&lt;script&gt;',
    )
    expect(detail).toContain('@x&quot;&gt;&lt;svg onload=alert(1)&gt;')
  })
})

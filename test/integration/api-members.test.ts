import { describe, expect, it } from 'vitest'
import { type ApiTestSite, errorOf, snapshot, startApiSite } from './api-kit.js'

/** A site with member 123 (Ada) in webmasters, member of one active chat, eligible for another. */
async function siteWithAda(): Promise<ApiTestSite & { memberId: number }> {
  const s = await startApiSite()
  const now = s.now()
  const memberId = await s.store.members.recordBotContact(
    { telegramId: 123, firstName: 'Ada', lastName: 'Lovelace', username: 'ada' },
    now,
  )
  const webmasters = await s.store.groups.findBySlug('webmasters')
  await s.store.groups.setMemberGroups(memberId, [webmasters!.id])
  for (const [title, chatId, state] of [
    ['Inner circle', -1001, 'member'],
    ['Builders', -1002, 'eligible'],
  ] as const) {
    const chat = await s.store.chats.create(title, '', now)
    await s.store.chats.markActive(chat.id, chatId, now)
    await s.store.memberships.set(memberId, chat.id, state, 'rule holds', now)
  }
  return { ...s, memberId }
}

const ADA = {
  telegramId: 123,
  externalId: null,
  username: 'ada',
  firstName: 'Ada',
  lastName: 'Lovelace',
  karma: 0,
  groups: ['webmasters'],
  chats: [
    { title: 'Builders', state: 'eligible' },
    { title: 'Inner circle', state: 'member' },
  ],
}

describe('GET /api/v1/members/…', () => {
  it('answers a member by Telegram id with groups and chats', async () => {
    const s = await siteWithAda()
    const res = await s.call('GET', '/members/123')
    expect(res.status).toBe(200)
    expect(res.body).toEqual(ADA)
  })

  it('answers a member by external id, URL-encoded', async () => {
    const s = await siteWithAda()
    await s.call('POST', '/karma-events', {
      member: { externalId: 'u/42 é' },
      delta: 5,
      reason: 'signed up',
      idempotencyKey: 'e1',
    })
    const res = await s.call('GET', `/members/external/${encodeURIComponent('u/42 é')}`)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      telegramId: null,
      externalId: 'u/42 é',
      username: null,
      firstName: null,
      lastName: null,
      karma: 5,
      groups: [],
      chats: [],
    })
  })

  it('404 member_not_found for nobody; 400 naming the parameter for a bad one', async () => {
    const s = await siteWithAda()
    for (const path of ['/members/999', '/members/external/u-none']) {
      const res = await s.call('GET', path)
      expect(res.status, path).toBe(404)
      expect(errorOf(res).code).toBe('member_not_found')
    }
    const bad = await s.call('GET', '/members/ada')
    expect(bad.status).toBe(400)
    expect(errorOf(bad)).toMatchObject({ code: 'invalid', field: 'telegramId' })
  })
})

describe('PUT /api/v1/members/…/groups', () => {
  it('replaces the groups, records who did it, and answers the member', async () => {
    const s = await siteWithAda()
    const res = await s.call('PUT', '/members/123/groups', { groups: ['clients', 'webmasters', 'clients'] })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ ...ADA, groups: ['clients', 'webmasters'] })
    const cleared = await s.call('PUT', '/members/123/groups', { groups: [] })
    expect((cleared.body as { groups: string[] }).groups).toEqual([])
    const audit = await s.store.audit.recent(5)
    expect(audit[0]).toMatchObject({
      actor: 'api:php-site',
      action: 'member.groups',
      subject: `member:${String(s.memberId)}`,
    })
  })

  it('400 unknown_group naming the slug and its place, and changes nothing', async () => {
    const s = await siteWithAda()
    const before = snapshot(s.dbPath)
    const res = await s.call('PUT', '/members/123/groups', { groups: ['clients', 'astronauts'] })
    expect(res.status).toBe(400)
    expect(errorOf(res)).toMatchObject({ code: 'unknown_group', field: 'groups[1]' })
    expect(errorOf(res).message).toContain('astronauts')
    const external = await s.call('PUT', '/members/external/u-9/groups', { groups: ['astronauts'] })
    expect(external.status).toBe(400)
    expect(snapshot(s.dbPath)).toEqual(before)
  })

  it('by external id: creates a member the site has not pushed karma for yet', async () => {
    const s = await siteWithAda()
    const res = await s.call('PUT', '/members/external/u-9/groups', { groups: ['clients'] })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ telegramId: null, externalId: 'u-9', groups: ['clients'], karma: 0 })
    const again = await s.call('GET', '/members/external/u-9')
    expect((again.body as { groups: string[] }).groups).toEqual(['clients'])
  })

  it('404 for an unknown Telegram id; 415 without JSON', async () => {
    const s = await siteWithAda()
    const missing = await s.call('PUT', '/members/999/groups', { groups: [] })
    expect(missing.status).toBe(404)
    const form = await s.call('PUT', '/members/123/groups', 'groups=clients', {
      'content-type': 'application/x-www-form-urlencoded',
    })
    expect(form.status).toBe(415)
  })
})

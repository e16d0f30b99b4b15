import { describe, expect, it } from 'vitest'
import { type ApiTestSite, errorOf, ledgerCheck, snapshot, startApiSite } from './api-kit.js'

async function siteWithMember(telegramId = 123): Promise<ApiTestSite> {
  const s = await startApiSite()
  await s.store.members.recordBotContact({ telegramId, firstName: 'Ada', lastName: null, username: 'ada' }, s.now())
  return s
}

const event = (idempotencyKey: string, over: Record<string, unknown> = {}) => ({
  member: { telegramId: 123 },
  delta: 10,
  reason: 'answer accepted',
  idempotencyKey,
  ...over,
})

describe('POST /api/v1/karma-events: one event', () => {
  it('201 with the event and the member, source api, actor the key name', async () => {
    const s = await siteWithMember()
    const res = await s.call('POST', '/karma-events', event('site-991'))
    expect(res.status).toBe(201)
    expect(res.body).toEqual({
      event: {
        id: expect.any(Number) as number,
        delta: 10,
        reason: 'answer accepted',
        source: 'api',
        actor: 'php-site',
        idempotencyKey: 'site-991',
        karmaAfter: 10,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/) as string,
      },
      member: { telegramId: 123, externalId: null, karma: 10 },
    })
    expect((await s.store.members.findByTelegramId(123))?.karma).toBe(10)
  })

  it('replays a key: 200 with the same body; the same key for another event is 409', async () => {
    const s = await siteWithMember()
    const first = await s.call('POST', '/karma-events', event('site-991'))
    await s.call('POST', '/karma-events', event('site-992', { delta: 5 }))
    const replay = await s.call('POST', '/karma-events', event('site-991'))
    expect(replay.status).toBe(200)
    expect(replay.body).toEqual(first.body)
    const conflict = await s.call('POST', '/karma-events', event('site-991', { delta: 11 }))
    expect(conflict.status).toBe(409)
    expect(errorOf(conflict)).toMatchObject({ code: 'idempotency_conflict', field: 'idempotencyKey' })
    expect((await s.store.members.findByTelegramId(123))?.karma).toBe(15)
  })

  it('404 for an unknown Telegram id; an external id not linked yet creates that member', async () => {
    const s = await siteWithMember()
    const unknown = await s.call('POST', '/karma-events', event('a', { member: { telegramId: 999 } }))
    expect(unknown.status).toBe(404)
    expect(errorOf(unknown)).toMatchObject({ code: 'member_not_found', field: 'member.telegramId' })
    const external = await s.call('POST', '/karma-events', event('b', { member: { externalId: 'u-42' }, delta: 7 }))
    expect(external.status).toBe(201)
    expect((external.body as { member: unknown }).member).toEqual({ telegramId: null, externalId: 'u-42', karma: 7 })
    expect((await s.store.members.findByExternalId('u-42'))?.karma).toBe(7)
  })

  it('answers text beyond ASCII with the Content-Length of its UTF-8 bytes', async () => {
    const s = await siteWithMember()
    const reason = 'réponse acceptée ✓ 👍'
    const res = await fetch(`${s.url}/api/v1/karma-events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(event('utf8', { reason })),
    })
    const bytes = Buffer.from(await res.arrayBuffer())
    expect(res.status).toBe(201)
    expect(Number(res.headers.get('content-length'))).toBe(bytes.length)
    expect((JSON.parse(bytes.toString('utf8')) as { event: { reason: string } }).event.reason).toBe(reason)
  })
})

describe('POST /api/v1/karma-events: a batch', () => {
  it('applies events in order and answers each, 201; replaying the whole batch is 200', async () => {
    const s = await siteWithMember()
    const batch = {
      events: [event('b1'), event('b2', { delta: -3 }), event('b3', { member: { externalId: 'u-7' }, delta: 2 })],
    }
    const res = await s.call('POST', '/karma-events', batch)
    expect(res.status).toBe(201)
    const { results } = res.body as {
      results: { event: { karmaAfter: number }; member: { karma: number }; replayed: boolean }[]
    }
    expect(results.map((r) => [r.event.karmaAfter, r.member.karma, r.replayed])).toEqual([
      [10, 10, false],
      [7, 7, false],
      [2, 2, false],
    ])
    const again = await s.call('POST', '/karma-events', batch)
    expect(again.status).toBe(200)
    expect((again.body as { results: { replayed: boolean }[] }).results.every((r) => r.replayed)).toBe(true)
  })

  it('is all or nothing: a refused event names its index and nothing is written', async () => {
    const s = await siteWithMember()
    await s.call('POST', '/karma-events', event('before'))
    const before = snapshot(s.dbPath)
    const notFound = await s.call('POST', '/karma-events', {
      events: [
        event('x1'),
        event('x2', { member: { externalId: 'u-new' } }),
        event('x3', { member: { telegramId: 404 } }),
      ],
    })
    expect(notFound.status).toBe(404)
    expect(errorOf(notFound)).toMatchObject({
      code: 'member_not_found',
      index: 2,
      field: 'events[2].member.telegramId',
    })
    expect(errorOf(notFound).message).toContain('events[2]')
    const conflict = await s.call('POST', '/karma-events', { events: [event('y1'), event('before', { delta: 99 })] })
    expect(conflict.status).toBe(409)
    expect(errorOf(conflict)).toMatchObject({ code: 'idempotency_conflict', index: 1 })
    const invalid = await s.call('POST', '/karma-events', { events: [event('z1'), event('z2', { delta: 0 })] })
    expect(invalid.status).toBe(400)
    expect(errorOf(invalid)).toMatchObject({ code: 'invalid', index: 1, field: 'events[1].delta' })
    expect(snapshot(s.dbPath)).toEqual(before)
  })

  it('413 batch_too_large over 1000 events; 1000 is fine; an empty batch is 400', async () => {
    const s = await siteWithMember()
    const many = (n: number, prefix: string) => ({
      events: Array.from({ length: n }, (_, i) => event(`${prefix}-${String(i)}`, { delta: 1 })),
    })
    const tooMany = await s.call('POST', '/karma-events', many(1001, 'big'))
    expect(tooMany.status).toBe(413)
    expect(errorOf(tooMany).code).toBe('batch_too_large')
    expect((await s.store.members.findByTelegramId(123))?.karma).toBe(0)
    const full = await s.call('POST', '/karma-events', many(1000, 'full'))
    expect(full.status).toBe(201)
    expect((full.body as { results: unknown[] }).results).toHaveLength(1000)
    expect((await s.store.members.findByTelegramId(123))?.karma).toBe(1000)
    const empty = await s.call('POST', '/karma-events', { events: [] })
    expect(empty.status).toBe(400)
    expect(errorOf(empty).field).toBe('events')
  })

  it('replays a key repeated inside a batch and stored ones, amid new events; a repeat for another event is 409', async () => {
    const s = await siteWithMember()
    const stored = await s.call('POST', '/karma-events', event('old', { delta: 4 }))
    const res = await s.call('POST', '/karma-events', {
      events: [
        event('n1'),
        event('old', { delta: 4 }),
        event('n2', { delta: -3 }),
        event('n1'),
        event('n3', { member: { externalId: 'u-5' }, delta: 2 }),
      ],
    })
    expect(res.status).toBe(201)
    const { results } = res.body as {
      results: { event: { id: number; karmaAfter: number }; member: { karma: number }; replayed: boolean }[]
    }
    expect(results.map((r) => [r.event.karmaAfter, r.member.karma, r.replayed])).toEqual([
      [14, 14, false],
      [4, 4, true],
      [11, 11, false],
      [14, 14, true],
      [2, 2, false],
    ])
    expect(results[1]).toEqual({ ...(stored.body as object), replayed: true })
    expect(results[3]).toEqual({ ...results[0], replayed: true })
    expect((await s.store.members.findByTelegramId(123))?.karma).toBe(11)
    const before = snapshot(s.dbPath)
    const conflict = await s.call('POST', '/karma-events', { events: [event('n4'), event('n4', { delta: 9 })] })
    expect(conflict.status).toBe(409)
    expect(errorOf(conflict)).toMatchObject({
      code: 'idempotency_conflict',
      index: 1,
      field: 'events[1].idempotencyKey',
    })
    expect(snapshot(s.dbPath)).toEqual(before)
    for (const row of ledgerCheck(s.dbPath)) expect(row.karma).toBe(row.sum)
  })

  it('answers a batch with the exact field of a refused event, however it is wrong', async () => {
    const s = await siteWithMember()
    const cases: [unknown, string][] = [
      [{ ...event('a'), extra: 1 }, 'events[1].extra'],
      [{ ...event('a'), member: { telegramId: 1, externalId: 'x' } }, 'events[1].member'],
      [{ ...event('a'), member: {} }, 'events[1].member'],
      [{ ...event('a'), delta: 1.5 }, 'events[1].delta'],
      [{ ...event('a'), delta: '1' }, 'events[1].delta'],
      [{ ...event('a'), reason: '   ' }, 'events[1].reason'],
      [{ ...event('a'), idempotencyKey: 'with space' }, 'events[1].idempotencyKey'],
      [{ ...event('a'), member: { externalId: ' padded' } }, 'events[1].member.externalId'],
      [{ ...event('a'), member: { telegramId: -1 } }, 'events[1].member.telegramId'],
      [null, 'events[1]'],
    ]
    for (const [bad, field] of cases) {
      const res = await s.call('POST', '/karma-events', { events: [event('ok'), bad] })
      expect(res.status, JSON.stringify(bad)).toBe(400)
      expect(errorOf(res), JSON.stringify(bad)).toMatchObject({ code: 'invalid', index: 1, field })
    }
    expect((await s.store.members.findByTelegramId(123))?.karma).toBe(0)
  })

  it("keeps every member's karma equal to the sum of their ledger", async () => {
    const s = await siteWithMember()
    await s.call('POST', '/karma-events', {
      events: [event('l1'), event('l2', { member: { externalId: 'u-1' }, delta: -4 })],
    })
    await s.call('POST', '/karma-events', event('l3', { delta: -2 }))
    await s.call('POST', '/karma-events', { events: [event('l4'), event('l5', { member: { telegramId: 1 } })] })
    for (const row of ledgerCheck(s.dbPath)) expect(row.karma).toBe(row.sum)
  })
})

import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { errorOf, startApiSite } from './api-kit.js'

describe('REST API: authentication', () => {
  it('refuses a request without a key: 401 missing_api_key with a Bearer challenge', async () => {
    const s = await startApiSite()
    const res = await s.call('GET', '/members/1', undefined, { authorization: '' })
    expect(res.status).toBe(401)
    expect(errorOf(res).code).toBe('missing_api_key')
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /)
    expect(res.headers.get('content-type')).toMatch(/application\/json/)
  })

  it.each([
    ['another scheme', (key: string) => `Basic ${key}`],
    ['no key after Bearer', () => 'Bearer '],
    ['a malformed key', () => 'Bearer kg_short'],
    ['an unknown key of the right shape', () => `Bearer kg_${'A'.repeat(43)}`],
    ['two keys', (key: string) => `Bearer ${key} ${key}`],
  ])('refuses %s: 401 invalid_api_key', async (_name, header) => {
    const s = await startApiSite()
    const res = await s.call('GET', '/members/1', undefined, { authorization: header(s.key) })
    expect(res.status).toBe(401)
    expect(errorOf(res).code).toBe('invalid_api_key')
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"')
  })

  it('refuses a revoked key, and accepts a live one (the scheme in any case)', async () => {
    const s = await startApiSite()
    const other = await s.store.apiKeys.create('old', s.now())
    await s.store.apiKeys.revoke(other.key.id, s.now())
    const revoked = await s.call('GET', '/members/1', undefined, { authorization: `Bearer ${other.secret}` })
    expect(revoked.status).toBe(401)
    expect(errorOf(revoked).code).toBe('invalid_api_key')
    const live = await s.call('GET', '/members/1', undefined, { authorization: `bearer ${s.key}` })
    expect(live.status).toBe(404)
    expect(errorOf(live).code).toBe('member_not_found')
  })

  it('stops a key at once when it is revoked, though its live answer was remembered', async () => {
    const s = await startApiSite()
    const other = await s.store.apiKeys.create('soon-revoked', s.now())
    const call = () => s.call('GET', '/members/1', undefined, { authorization: `Bearer ${other.secret}` })
    expect((await call()).status).toBe(404)
    expect((await call()).status).toBe(404)
    expect(await s.store.apiKeys.revoke(other.key.id, s.now())).toBe(true)
    const after = await call()
    expect(after.status).toBe(401)
    expect(errorOf(after).code).toBe('invalid_api_key')
  })

  it('notices a key revoked by another connection within the remembered time', async () => {
    const s = await startApiSite()
    const call = () => s.call('GET', '/members/1')
    expect((await call()).status).toBe(404)
    // Revoked behind this process's back (another process, or by hand), not through its repository.
    const db = new Database(s.dbPath)
    try {
      db.prepare('UPDATE api_keys SET revoked_at = ? WHERE name = ?').run(s.nowSeconds(), 'php-site')
    } finally {
      db.close()
    }
    s.setNow((s.nowSeconds() + 11) * 1000)
    expect((await call()).status).toBe(401)
  })

  it('never sets a session cookie and is not cached', async () => {
    const s = await startApiSite()
    const res = await fetch(`${s.url}/api/v1/members/1`, { headers: { authorization: `Bearer ${s.key}` } })
    expect(res.headers.getSetCookie()).toEqual([])
    expect(res.headers.get('cache-control')).toBe('no-store')
  })
})

describe('REST API: errors are JSON, never a 500 on bad input', () => {
  it('415 for a body that is not JSON', async () => {
    const s = await startApiSite()
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const res = await s.call('POST', '/karma-events', 'delta=1', { 'content-type': type })
      expect(res.status).toBe(415)
      expect(errorOf(res).code).toBe('unsupported_media_type')
    }
    const none = await fetch(`${s.url}/api/v1/karma-events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.key}` },
    })
    expect(none.status).toBe(415)
  })

  it('400 invalid_json for broken JSON, and 400 for JSON that is not an object', async () => {
    const s = await startApiSite()
    const broken = await s.call('POST', '/karma-events', '{"delta": ')
    expect(broken.status).toBe(400)
    expect(errorOf(broken).code).toBe('invalid_json')
    for (const body of ['[]', '[1, 2]', '"text"', 'null', '42']) {
      const res = await s.call('POST', '/karma-events', body)
      expect(res.status, body).toBe(400)
    }
  })

  it('reads JSON however a client frames it: a charset, a byte order mark, spaces, a chunked body', async () => {
    const s = await startApiSite()
    const event = (key: string) => ({
      member: { externalId: 'u-frames' },
      delta: 1,
      reason: 'framing',
      idempotencyKey: key,
    })
    const bom = await s.call('POST', '/karma-events', `\uFEFF  ${JSON.stringify(event('f-1'))}`, {
      'content-type': 'application/json; charset=utf-8',
    })
    expect(bom.status).toBe(201)
    // No Content-Length: a chunked body, read the same way, with the same answer.
    const chunked = await fetch(`${s.url}/api/v1/karma-events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json' },
      body: new Blob([JSON.stringify(event('f-2'))]).stream(),
      duplex: 'half',
    } as RequestInit)
    expect(chunked.status).toBe(201)
    expect(((await chunked.json()) as { member: { karma: number } }).member.karma).toBe(2)
  })

  it('413 payload_too_large for a body over the limit', async () => {
    const s = await startApiSite()
    const res = await s.call('POST', '/karma-events', { events: [], padding: 'x'.repeat(1024 * 1024 + 1) })
    expect(res.status).toBe(413)
    expect(errorOf(res).code).toBe('payload_too_large')
  })

  it('404 not_found, in JSON, for a path the API does not have', async () => {
    const s = await startApiSite()
    const res = await s.call('GET', '/nothing-here', undefined, { accept: 'text/html' })
    expect(res.status).toBe(404)
    expect(errorOf(res).code).toBe('not_found')
  })

  it('answers odd bodies and parameters with a 4xx that names the field', async () => {
    const s = await startApiSite()
    await s.store.members.recordBotContact(
      { telegramId: 7, firstName: 'Seven', lastName: null, username: null },
      s.now(),
    )
    const odd: [string, string, unknown][] = [
      ['POST', '/karma-events', { member: { telegramId: 7 }, delta: 1e300, reason: 'r', idempotencyKey: 'k' }],
      ['POST', '/karma-events', { member: { telegramId: 2 ** 60 }, delta: 1, reason: 'r', idempotencyKey: 'k' }],
      ['POST', '/karma-events', { member: { telegramId: '7' }, delta: 1, reason: 'r', idempotencyKey: 'k' }],
      ['POST', '/karma-events', { member: [7], delta: 1, reason: 'r', idempotencyKey: 'k' }],
      [
        'POST',
        '/karma-events',
        JSON.parse(
          '{"__proto__": {"admin": true}, "member": {"telegramId": 7}, "delta": 1, "reason": "r", "idempotencyKey": "k"}',
        ),
      ],
      ['POST', '/karma-events', { member: { telegramId: 7 }, delta: 1, reason: 'r'.repeat(501), idempotencyKey: 'k' }],
      ['POST', '/karma-events', { member: { telegramId: 7 }, delta: 1, reason: 'r', idempotencyKey: 'k'.repeat(201) }],
      ['POST', '/karma-events', { member: { externalId: ' padded ' }, delta: 1, reason: 'r', idempotencyKey: 'k' }],
      ['POST', '/karma-events', { events: 'all of them' }],
      ['POST', '/karma-events', { events: [null] }],
      ['POST', '/karma-events', { events: [{ events: [] }] }],
      ['PUT', '/members/7/groups', { groups: 'webmasters' }],
      ['PUT', '/members/7/groups', { groups: [1] }],
      ['PUT', '/members/7/groups', {}],
      ['POST', '/link-tokens', { externalId: 42 }],
      ['POST', '/link-tokens', { externalId: 'u-1', returnTo: 'https://evil.example/' }],
      ['POST', '/link-tokens', { externalId: 'u-1', returnTo: '//evil.example/' }],
      ['GET', '/members/-1', undefined],
      ['GET', '/members/1e3', undefined],
      ['GET', '/members/99999999999999999999', undefined],
      ['GET', `/members/external/${'x'.repeat(101)}`, undefined],
      ['GET', '/members/external/%20padded', undefined],
    ]
    for (const [method, path, body] of odd) {
      const res = await s.call(method, path, body)
      const label = `${method} ${path} ${body === undefined ? '' : JSON.stringify(body).slice(0, 80)}`
      expect(res.status, label).toBe(400)
      expect(errorOf(res).code, label).toBe('invalid')
      expect(errorOf(res).message, label).not.toMatch(/internal/i)
    }
    expect(s.logs.text).not.toContain('API request failed')
  })

  it('names the field at fault', async () => {
    const s = await startApiSite()
    const cases: [unknown, string][] = [
      [{ member: { telegramId: 7 }, delta: 0, reason: 'r', idempotencyKey: 'k' }, 'delta'],
      [{ member: { telegramId: 7 }, delta: 1, idempotencyKey: 'k' }, 'reason'],
      [{ member: { telegramId: 7 }, delta: 1, reason: '   ', idempotencyKey: 'k' }, 'reason'],
      [{ member: { telegramId: 7 }, delta: 1, reason: 'r', idempotencyKey: 'has space' }, 'idempotencyKey'],
      [{ member: { telegramId: 7, externalId: 'u-1' }, delta: 1, reason: 'r', idempotencyKey: 'k' }, 'member'],
      [{ member: {}, delta: 1, reason: 'r', idempotencyKey: 'k' }, 'member'],
      [{ member: { telegramId: 7 }, delta: 1, reason: 'r', idempotencyKey: 'k', source: 'admin' }, 'source'],
      [
        {
          events: [
            { member: { telegramId: 7 }, delta: 1, reason: 'r', idempotencyKey: 'a' },
            { member: { telegramId: 7 }, delta: 1.5, reason: 'r', idempotencyKey: 'b' },
          ],
        },
        'events[1].delta',
      ],
    ]
    for (const [body, field] of cases) {
      const res = await s.call('POST', '/karma-events', body)
      expect(res.status, field).toBe(400)
      expect(errorOf(res).field, JSON.stringify(body)).toBe(field)
      expect(errorOf(res).message).toContain(field)
    }
  })
})

describe('REST API: rate limit', () => {
  it('allows 600 requests a minute per key, then 429 rate_limited with Retry-After; other keys go on', async () => {
    const s = await startApiSite()
    const statuses: number[] = []
    for (let wave = 0; wave < 12; wave++) {
      const answers = await Promise.all(Array.from({ length: 50 }, () => s.call('GET', '/members/1')))
      statuses.push(...answers.map((a) => a.status))
    }
    expect(statuses.filter((st) => st === 404)).toHaveLength(600)
    const limited = await s.call('GET', '/members/1')
    expect(limited.status).toBe(429)
    expect(errorOf(limited).code).toBe('rate_limited')
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(limited.headers.get('ratelimit-policy')).toContain('600')
    const other = await s.store.apiKeys.create('other', s.now())
    const fresh = await s.call('GET', '/members/1', undefined, { authorization: `Bearer ${other.secret}` })
    expect(fresh.status).toBe(404)
  })
})

describe('REST API: OpenAPI document', () => {
  it('serves an OpenAPI 3.1 document without a key, listing every path and resolving every $ref', async () => {
    const s = await startApiSite()
    const res = await fetch(`${s.url}/api/v1/openapi.json`)
    expect(res.status).toBe(200)
    const doc = (await res.json()) as {
      openapi: string
      servers: { url: string }[]
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>
      components: Record<string, Record<string, unknown>>
    }
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.servers[0]?.url).toBe(`${s.config.publicUrl}/api/v1`)
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/karma-events',
        '/link-tokens',
        '/members/external/{externalId}',
        '/members/external/{externalId}/groups',
        '/members/{telegramId}',
        '/members/{telegramId}/groups',
        '/openapi.json',
      ].sort(),
    )
    expect(Object.keys(doc.paths['/karma-events']?.post?.responses ?? {}).sort()).toEqual([
      '200',
      '201',
      '400',
      '401',
      '404',
      '409',
      '413',
      '415',
      '429',
    ])
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/(\w+)\/(\w+)"/g)]
    expect(refs.length).toBeGreaterThan(10)
    for (const [, kind, name] of refs) expect(doc.components[kind!]?.[name!], `${kind!}/${name!}`).toBeDefined()
    const event = doc.components.schemas?.KarmaEventRequest as { required: string[] }
    expect(event.required.sort()).toEqual(['delta', 'idempotencyKey', 'member', 'reason'])
  })
})

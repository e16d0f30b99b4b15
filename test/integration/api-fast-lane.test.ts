import { describe, expect, it } from 'vitest'
import { type ApiTestSite, errorOf, snapshot, startApiSite } from './api-kit.js'

/**
 * `POST /api/v1/karma-events` is answered ahead of Express, whatever the body's framing, with
 * the API router's gate, body reader and error writer. These tests send the same requests framed
 * both ways (a body with a Content-Length, and the same body chunked) and expect the same
 * answers, headers and counts, and one rate limit shared with the router's routes.
 */

/** POSTs `body` to `/karma-events` with no Content-Length (chunked). */
async function postChunked(s: ApiTestSite, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${s.url}/api/v1/karma-events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json', ...headers },
    body: new Blob([JSON.stringify(body)]).stream(),
    duplex: 'half',
  } as RequestInit)
}

/** The headers an answer carries, minus those of the connection and the body's size. */
function headersOf(headers: Headers): Record<string, string> {
  const transport = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'ratelimit'])
  return Object.fromEntries([...headers].filter(([name]) => !transport.has(name)))
}

const event = (key: string, delta = 5) => ({
  member: { externalId: 'u-lanes' },
  delta,
  reason: 'both lanes',
  idempotencyKey: key,
})

describe('POST /api/v1/karma-events: any framing, answered alike', () => {
  it('a new event, its replay through the other lane, and a conflicting payload', async () => {
    const s = await startApiSite()
    const fast = await s.call('POST', '/karma-events', event('lane-1'))
    expect(fast.status).toBe(201)
    const routed = await postChunked(s, event('lane-1'))
    expect(routed.status).toBe(200)
    expect(await routed.json()).toEqual(fast.body)
    expect(headersOf(routed.headers)).toEqual(headersOf(fast.headers))
    expect(fast.headers.get('cache-control')).toBe('no-store')
    expect(fast.headers.get('content-security-policy')).toContain("default-src 'self'")

    const conflictFast = await s.call('POST', '/karma-events', event('lane-1', 6))
    const conflictRouted = await postChunked(s, event('lane-1', 6))
    expect(conflictFast.status).toBe(409)
    expect(conflictRouted.status).toBe(409)
    expect(await conflictRouted.json()).toEqual(conflictFast.body)
  })

  it('is served at its path in any letter case and with a trailing slash, as Express routes', async () => {
    const s = await startApiSite()
    const res = await fetch(`${s.url}/API/V1/Karma-Events/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(event('case-1')),
    })
    expect(res.status).toBe(201)
    expect(((await res.json()) as { member: { karma: number } }).member.karma).toBe(5)
    const head = await fetch(`${s.url}/api/v1/karma-events`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${s.key}` },
    })
    expect(head.status).toBe(404)
  })

  it.each([
    ['no key', {}, 401, 'missing_api_key'],
    ['an unknown key', { authorization: 'Bearer kg_unknown' }, 401, 'invalid_api_key'],
  ] as const)('refuses %s with the same answer and challenge', async (_name, headers, status, code) => {
    const s = await startApiSite()
    const fast = await fetch(`${s.url}/api/v1/karma-events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(event('auth-1')),
    })
    const routed = await fetch(`${s.url}/api/v1/karma-events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: new Blob([JSON.stringify(event('auth-1'))]).stream(),
      duplex: 'half',
    } as RequestInit)
    for (const res of [fast, routed]) {
      expect(res.status).toBe(status)
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="karmagate"/)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code)
    }
    expect(headersOf(routed.headers)).toEqual(headersOf(fast.headers))
  })

  it('refuses broken JSON, a bad event and an oversized batch alike, writing nothing', async () => {
    const s = await startApiSite()
    const bodies: [unknown, number, string][] = [
      ['{"member": ', 400, 'invalid_json'],
      [{ member: { externalId: 'u-lanes' }, delta: 0, reason: 'zero', idempotencyKey: 'bad-1' }, 400, 'invalid'],
      [{ events: Array.from({ length: 1001 }, (_, i) => event(`big-${String(i)}`)) }, 413, 'batch_too_large'],
    ]
    for (const [body, status, code] of bodies) {
      const fast = await s.call('POST', '/karma-events', body)
      expect(fast.status).toBe(status)
      expect(errorOf(fast).code).toBe(code)
      // The chunked copy of broken JSON must stay broken: send the string as it is.
      const routed =
        typeof body === 'string'
          ? await fetch(`${s.url}/api/v1/karma-events`, {
              method: 'POST',
              headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json' },
              body: new Blob([body]).stream(),
              duplex: 'half',
            } as RequestInit)
          : await postChunked(s, body)
      expect(routed.status).toBe(status)
      expect(await routed.json()).toEqual(fast.body)
    }
    expect(snapshot(s.dbPath).karma_events).toEqual([])
  })

  it('counts both lanes and the other routes against one limit per key', async () => {
    const s = await startApiSite()
    const statuses: number[] = []
    for (let wave = 0; wave < 12; wave++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const n = wave * 50 + i
          if (n % 3 === 0) return (await s.call('POST', '/karma-events', event(`limit-${String(n)}`, 1))).status
          if (n % 3 === 1) return (await postChunked(s, event(`limit-${String(n)}`, 1))).status
          return (await s.call('GET', '/members/1')).status
        }),
      )
      statuses.push(...answers)
    }
    expect(statuses.filter((status) => status === 429)).toEqual([])
    const limitedFast = await s.call('POST', '/karma-events', event('limit-fast', 1))
    const limitedRouted = await postChunked(s, event('limit-routed', 1))
    expect(limitedFast.status).toBe(429)
    expect(limitedRouted.status).toBe(429)
    expect(errorOf(limitedFast).code).toBe('rate_limited')
    expect(Number(limitedFast.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(limitedFast.headers.get('ratelimit')).toMatch(/^limit=600, remaining=0, reset=\d+$/)
    expect(limitedFast.headers.get('ratelimit-policy')).toBe('600;w=60')
    expect(await limitedRouted.json()).toEqual(limitedFast.body)
  })
})

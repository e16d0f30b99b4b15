import { IncomingMessage } from 'node:http'
import { createRequire } from 'node:module'
import { Socket } from 'node:net'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseCookies, readCookie, serializeCookie } from '../../../src/http/cookies.js'

// The `cookie` package is what cookie-parser and Express's res.cookie use: the site's one cookie
// parser and writer must read and write as it does.
const cookie = createRequire(import.meta.url)('cookie') as {
  parse(header: string): Record<string, string>
  serialize(name: string, value: string, options: Record<string, unknown>): string
}

function requestWith(header: string | undefined): IncomingMessage {
  const req = new IncomingMessage(new Socket())
  if (header !== undefined) req.headers.cookie = header
  return req
}

/** Cookie headers as browsers and scripts write them, and as they should not. */
const headers = fc
  .array(
    fc.tuple(
      fc.constantFrom('kg_session', 'kg_csrf', '__Host-kg_session', 'a', '', ' kg_session', 'kg_session '),
      fc.oneof(
        fc.stringMatching(/^[A-Za-z0-9_-]{0,12}$/),
        fc.constantFrom('"quoted"', '"', '%E2%9C%93', '%zz', ' spaced ', 'a=b', 'j:{"x":1}'),
        fc.string({ maxLength: 8 }),
      ),
      fc.constantFrom('; ', ';', ' ; ', ';;', '; junk; '),
    ),
    { maxLength: 6 },
  )
  .map((pairs) => pairs.map(([name, value, separator]) => `${name}=${value}${separator}`).join(''))

describe('cookies', () => {
  it('parses every cookie header as the cookie package does', () => {
    fc.assert(
      fc.property(fc.oneof(headers, fc.string({ maxLength: 40 })), (header) => {
        const parsed = { ...parseCookies(requestWith(header)) }
        // cookie-parser also turned `j:` values into JSON; the site has no such cookies.
        expect(parsed).toEqual({ ...cookie.parse(header) })
        for (const name of ['kg_session', 'a', '']) expect(readCookie(header, name)).toBe(cookie.parse(header)[name])
      }),
    )
  })

  it('reads no cookie from no header', () => {
    expect(readCookie(undefined, 'kg_session')).toBeUndefined()
    expect(parseCookies(requestWith(undefined))).toEqual({})
  })

  it('writes a session cookie and its removal as Express did', () => {
    const now = Date.UTC(2026, 0, 2, 3, 4, 5)
    for (const secure of [false, true]) {
      expect(
        serializeCookie('kg_session', 'abc_DEF-123', {
          maxAgeSeconds: 3600,
          now,
          path: '/',
          httpOnly: true,
          secure,
          sameSite: 'Lax',
        }),
      ).toBe(
        cookie.serialize('kg_session', 'abc_DEF-123', {
          maxAge: 3600,
          expires: new Date(now + 3_600_000),
          path: '/',
          httpOnly: true,
          secure,
          sameSite: 'lax',
        }),
      )
      expect(
        serializeCookie('kg_session', '', { expires: new Date(1), path: '/', httpOnly: true, secure, sameSite: 'Lax' }),
      ).toBe(
        cookie.serialize('kg_session', '', {
          expires: new Date(1),
          path: '/',
          httpOnly: true,
          secure,
          sameSite: 'lax',
        }),
      )
    }
  })
})

import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { signedLoginQuery, signLoginFields } from '../../../src/login/sign.js'
import {
  createLoginVerifier,
  dataCheckString,
  type LoginFailureReason,
  loginFailureKind,
  parseLoginQuery,
} from '../../../src/login/verify.js'
import { loginFields, TEST_BOT_TOKEN } from '../../support/site.js'

const NOW = 1_800_000_000
const verifier = createLoginVerifier({ botToken: TEST_BOT_TOKEN, maxAgeSeconds: 600 })
const signed = (overrides: Record<string, string | undefined> = {}, token = TEST_BOT_TOKEN) =>
  signedLoginQuery(token, loginFields(NOW, overrides))

function reasonOf(query: string, now = NOW): LoginFailureReason | 'ok' {
  const result = verifier.verify(query, now)
  return result.ok ? 'ok' : result.reason
}

/** Builds a raw query from ordered pairs, encoding as a browser would. */
const rawQuery = (pairs: readonly (readonly [string, string])[]) =>
  pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')

describe('login verification: accepted data', () => {
  it('accepts a correctly signed login and returns the member', () => {
    const result = verifier.verify(signed(), NOW)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.login).toMatchObject({
      telegramId: 424242,
      firstName: 'Ada',
      lastName: 'Lovelace',
      username: 'ada_l',
      photoUrl: 'https://t.me/i/userpic/320/ada.jpg',
      authDate: NOW,
      allowsWriteToPm: false,
    })
    expect(result.login.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(result.login.hashExpiresAt).toBe(NOW + 601)
  })

  it('matches the data-check-string Telegram documents (sorted key=value lines, hash left out)', () => {
    expect(dataCheckString({ id: '1', auth_date: '5', hash: 'x', first_name: 'A' })).toBe(
      'auth_date=5\nfirst_name=A\nid=1',
    )
  })

  it('signs every received field, including ones Telegram adds in future', () => {
    const query = signed({ allows_write_to_pm: 'true', some_new_field: 'x' })
    const result = verifier.verify(query, NOW)
    expect(result.ok).toBe(true)
    if (result.ok) {
      expect(result.login.allowsWriteToPm).toBe(true)
      expect(result.login.fields.get('some_new_field')).toBe('x')
    }
  })

  it('accepts only the required fields (no names, no photo)', () => {
    const fields = { id: '7', auth_date: String(NOW) }
    const result = verifier.verify(signedLoginQuery(TEST_BOT_TOKEN, fields), NOW)
    expect(result.ok && result.login.firstName === '' && result.login.photoUrl === null).toBe(true)
  })

  it('decodes percent-encoding and + as space, as Telegram encodes names', () => {
    const fields = loginFields(NOW, { first_name: 'Zoë Ann', last_name: '李 & <b>' })
    const hash = signLoginFields(TEST_BOT_TOKEN, fields)
    const query = `${rawQuery(Object.entries(fields)).replace('Zo%C3%AB%20Ann', 'Zo%C3%AB+Ann')}&hash=${hash}`
    expect(query).toContain('Zo%C3%AB+Ann')
    const result = verifier.verify(query, NOW)
    expect(result.ok && result.login.firstName).toBe('Zoë Ann')
    expect(result.ok && result.login.lastName).toBe('李 & <b>')
  })

  it('accepts the same fields in any order (the signature covers content, not order)', () => {
    const fields = Object.entries(loginFields(NOW))
    const hash = signLoginFields(TEST_BOT_TOKEN, Object.fromEntries(fields))
    const query = rawQuery([['hash', hash], ...fields.reverse()])
    expect(reasonOf(query)).toBe('ok')
  })

  it('drops a photo URL that is not https instead of showing it', () => {
    const result = verifier.verify(signed({ photo_url: 'javascript:alert(1)' }), NOW)
    expect(result.ok && result.login.photoUrl).toBeNull()
  })
})

describe('login verification: malformed input is a 400', () => {
  const cases: [string, () => string, LoginFailureReason][] = [
    ['missing hash', () => signed().replace(/&hash=[0-9a-f]+/, ''), 'missing_field'],
    ['missing id', () => signed({ id: undefined }), 'missing_field'],
    ['missing auth_date', () => signed({ auth_date: undefined }), 'missing_field'],
    ['empty query', () => '', 'missing_field'],
    ['a repeated key', () => `${signed()}&id=424242`, 'repeated_key'],
    ['a repeated hash', () => `${signed()}&hash=${'0'.repeat(64)}`, 'repeated_key'],
    ['a key without a value separator', () => `${signed()}&flag`, 'malformed_query'],
    ['an empty pair (trailing &)', () => `${signed()}&`, 'malformed_query'],
    ['an empty key', () => `${signed()}&=x`, 'malformed_query'],
    ['broken percent-encoding', () => signed().replace('first_name=Ada', 'first_name=%E0%A4%A'), 'malformed_query'],
    ['a non-integer date', () => signed({ auth_date: `${String(NOW)}.5` }), 'invalid_auth_date'],
    ['a negative date', () => signed({ auth_date: `-${String(NOW)}` }), 'invalid_auth_date'],
    ['a date with a sign', () => signed({ auth_date: `+${String(NOW)}` }), 'invalid_auth_date'],
    ['a date in exponent form', () => signed({ auth_date: '1.8e9' }), 'invalid_auth_date'],
    ['an empty date', () => signed({ auth_date: '' }), 'invalid_auth_date'],
    ['a zero id', () => signed({ id: '0' }), 'invalid_id'],
    ['a negative id', () => signed({ id: '-5' }), 'invalid_id'],
    ['an id with a leading zero', () => signed({ id: '0424242' }), 'invalid_id'],
    ['an id beyond 2^53', () => signed({ id: '9007199254740993' }), 'invalid_id'],
    ['a non-numeric id', () => signed({ id: 'abc' }), 'invalid_id'],
    [
      'a short hash',
      () => signed().replace(/hash=([0-9a-f]+)/, (_m, h: string) => `hash=${h.slice(2)}`),
      'invalid_hash',
    ],
    ['a long hash', () => `${signed()}00`, 'invalid_hash'],
    [
      'an uppercase hash',
      () => signed().replace(/hash=([0-9a-f]+)/, (_m, h: string) => `hash=${h.toUpperCase()}`),
      'invalid_hash',
    ],
    ['a non-hex hash', () => signed().replace(/hash=[0-9a-f]{2}/, 'hash=zz'), 'invalid_hash'],
    ['a query over the size limit', () => `${signed()}&pad=${'x'.repeat(5000)}`, 'query_too_large'],
  ]
  it.each(cases)('%s', (_name, build, reason) => {
    expect(reasonOf(build())).toBe(reason)
    expect(loginFailureKind(reason)).toBe('malformed')
  })
})

describe('login verification: unauthentic or stale data is a 401', () => {
  it('refuses data signed with another bot token', () => {
    expect(reasonOf(signed({}, '987654321:BBotherTOKENotherTOKENotherTOKEN99'))).toBe('bad_signature')
  })

  it('refuses a hash of the right shape that is not the signature', () => {
    expect(reasonOf(signed().replace(/hash=[0-9a-f]+/, `hash=${'a'.repeat(64)}`))).toBe('bad_signature')
  })

  it('refuses data signed with the Mini App key (WebAppData)', () => {
    const fields = loginFields(NOW)
    const miniAppKey = createHmac('sha256', 'WebAppData').update(TEST_BOT_TOKEN).digest()
    const hash = createHmac('sha256', miniAppKey).update(dataCheckString(fields)).digest('hex')
    const query = `${new URLSearchParams(fields).toString()}&hash=${hash}`
    expect(reasonOf(query)).toBe('mini_app_data')
    expect(loginFailureKind('mini_app_data')).toBe('unauthorized')
  })

  it('refuses real Mini App init data, which has no top-level id', () => {
    const fields = { query_id: 'AAH', user: JSON.stringify({ id: 424242, first_name: 'Ada' }), auth_date: String(NOW) }
    const miniAppKey = createHmac('sha256', 'WebAppData').update(TEST_BOT_TOKEN).digest()
    const hash = createHmac('sha256', miniAppKey).update(dataCheckString(fields)).digest('hex')
    expect(reasonOf(`${new URLSearchParams(fields).toString()}&hash=${hash}`)).toBe('missing_field')
  })

  it('accepts a date up to the skew in the future, refuses beyond it', () => {
    expect(reasonOf(signed({ auth_date: String(NOW + 30) }))).toBe('ok')
    expect(reasonOf(signed({ auth_date: String(NOW + 31) }))).toBe('from_future')
    expect(reasonOf(signed({ auth_date: '99999999999' }))).toBe('from_future')
  })

  it('accepts a login exactly LOGIN_MAX_AGE_SECONDS old, refuses one second older', () => {
    expect(reasonOf(signed({ auth_date: String(NOW - 600) }))).toBe('ok')
    expect(reasonOf(signed({ auth_date: String(NOW - 601) }))).toBe('expired')
    expect(reasonOf(signed({ auth_date: '0' }))).toBe('expired')
  })

  it('honours any positive max age', () => {
    const strict = createLoginVerifier({ botToken: TEST_BOT_TOKEN, maxAgeSeconds: 1 })
    expect(strict.verify(signed({ auth_date: String(NOW - 1) }), NOW).ok).toBe(true)
    expect(strict.verify(signed({ auth_date: String(NOW - 2) }), NOW).ok).toBe(false)
  })

  it('checks the signature before the date, so a forged date is a bad signature', () => {
    const query = signed().replace(`auth_date=${String(NOW)}`, `auth_date=${String(NOW - 10)}`)
    expect(reasonOf(query)).toBe('bad_signature')
  })
})

describe('parseLoginQuery', () => {
  it('keeps the decoded value of every field', () => {
    const parsed = parseLoginQuery('a=1&b=x%20y&c=')
    expect('fields' in parsed && Object.fromEntries(parsed.fields)).toEqual({ a: '1', b: 'x y', c: '' })
  })
})

describe('property: no single mutation of a signed login is accepted', () => {
  /** A correctly signed payload with arbitrary names, as ordered pairs including `hash`. */
  const signedPayload = fc
    .record({
      id: fc.integer({ min: 1, max: 2 ** 40 }),
      first_name: fc.string({ minLength: 1, maxLength: 20 }),
      last_name: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
      username: fc.option(fc.stringMatching(/^[a-z][a-z0-9_]{4,15}$/), { nil: undefined }),
      age: fc.integer({ min: 0, max: 600 }),
    })
    .map(({ id, first_name, last_name, username, age }) => {
      const fields = loginFields(NOW - age, { id: String(id), first_name, last_name, username, photo_url: undefined })
      const pairs: [string, string][] = Object.entries(fields)
      pairs.push(['hash', signLoginFields(TEST_BOT_TOKEN, fields)])
      return pairs
    })

  type Pairs = [string, string][]
  const mutations: Record<string, (pairs: Pairs, i: number, j: number, byte: number) => Pairs | undefined> = {
    'changed byte in a value': (pairs, i, _j, byte) => {
      const [key, value] = pairs[i % pairs.length]!
      const pos = value.length === 0 ? 0 : byte % value.length
      const code = value.charCodeAt(pos) || 0x61
      const changed = value.slice(0, pos) + String.fromCharCode(code ^ (1 + (byte % 31))) + value.slice(pos + 1)
      return pairs.map((p) => (p[0] === key ? [key, changed] : p))
    },
    'changed byte in a key': (pairs, i, _j, byte) => {
      const [key, value] = pairs[i % pairs.length]!
      const pos = byte % key.length
      const changed =
        key.slice(0, pos) + String.fromCharCode(key.charCodeAt(pos) ^ (1 + (byte % 31))) + key.slice(pos + 1)
      if (pairs.some((p) => p[0] === changed)) return undefined
      return pairs.map((p) => (p[0] === key ? [changed, value] : p))
    },
    'dropped field': (pairs, i) => pairs.filter((_p, k) => k !== i % pairs.length),
    'added field': (pairs, i, _j, byte) => [...pairs, [`extra_${String(i)}`, String(byte)]],
    'values of two keys swapped': (pairs, i, j) => {
      const a = i % pairs.length
      const b = j % pairs.length
      if (a === b || pairs[a]![1] === pairs[b]![1]) return undefined
      return pairs.map((p, k) => (k === a ? [p[0], pairs[b]![1]] : k === b ? [p[0], pairs[a]![1]] : p))
    },
    'repeated key (same value)': (pairs, i) => [...pairs, pairs[i % pairs.length]!],
    'repeated key (other value)': (pairs, i, _j, byte) => [...pairs, [pairs[i % pairs.length]![0], `v${String(byte)}`]],
  }

  it('holds for every mutation kind', () => {
    // The unmutated payload must pass, or the property would hold vacuously.
    fc.assert(
      fc.property(signedPayload, (pairs) => reasonOf(rawQuery(pairs)) === 'ok'),
      { numRuns: 100 },
    )
    for (const [name, mutate] of Object.entries(mutations)) {
      fc.assert(
        fc.property(signedPayload, fc.nat(), fc.nat(), fc.nat(255), (pairs, i, j, byte) => {
          const mutated = mutate(pairs, i, j, byte)
          fc.pre(mutated !== undefined)
          const result = reasonOf(rawQuery(mutated))
          if (result === 'ok') throw new Error(`${name} was accepted: ${rawQuery(mutated)}`)
        }),
        { numRuns: 300 },
      )
    }
  })
})

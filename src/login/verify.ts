import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Why a login was refused. The `malformed_*`-like reasons are the client's mistake (400); the
 * others mean the data is not a fresh login signed by Telegram for our bot (401).
 */
export type LoginFailureReason =
  | 'query_too_large'
  | 'malformed_query'
  | 'repeated_key'
  | 'missing_field'
  | 'invalid_id'
  | 'invalid_auth_date'
  | 'invalid_hash'
  | 'bad_signature'
  | 'mini_app_data'
  | 'from_future'
  | 'expired'
  | 'replayed'

/** Whether a refusal is about the shape of the input (400) or its authenticity (401). */
export type LoginFailureKind = 'malformed' | 'unauthorized'

const KIND: Readonly<Record<LoginFailureReason, LoginFailureKind>> = {
  query_too_large: 'malformed',
  malformed_query: 'malformed',
  repeated_key: 'malformed',
  missing_field: 'malformed',
  invalid_id: 'malformed',
  invalid_auth_date: 'malformed',
  invalid_hash: 'malformed',
  bad_signature: 'unauthorized',
  mini_app_data: 'unauthorized',
  from_future: 'unauthorized',
  expired: 'unauthorized',
  replayed: 'unauthorized',
}

/** A sentence a member can read for each refusal; never echoes the input. */
export const LOGIN_FAILURE_MESSAGES: Readonly<Record<LoginFailureReason, string>> = {
  query_too_large: 'The login link is too long to be a Telegram login.',
  malformed_query: 'The login link is not well formed.',
  repeated_key: 'The login link repeats a field.',
  missing_field: 'The login link lacks a field Telegram always sends (id, auth_date or hash).',
  invalid_id: 'The login link has an invalid Telegram id.',
  invalid_auth_date: 'The login link has an invalid date.',
  invalid_hash: 'The login link has an invalid signature format.',
  bad_signature: "The login link is not signed by Telegram for this site's bot.",
  mini_app_data: 'Mini App data cannot be used to log in to the site.',
  from_future: "The login link is dated in the future; check the server's clock.",
  expired: 'The login link has expired. Please log in again.',
  replayed: 'This login link has already been used. Please log in again.',
}

/** The kind of a refusal, which decides its HTTP status. */
export function loginFailureKind(reason: LoginFailureReason): LoginFailureKind {
  return KIND[reason]
}

/** A login Telegram signed for our bot, checked by {@link LoginVerifier.verify}. */
export interface VerifiedLogin {
  readonly telegramId: number
  readonly firstName: string
  readonly lastName: string | null
  readonly username: string | null
  /** Only an https URL; anything else is dropped rather than shown. */
  readonly photoUrl: string | null
  /** Seconds since the epoch, as signed. */
  readonly authDate: number
  /** The signature, lowercase hex: the login's identity for replay protection. */
  readonly hash: string
  /** Until when {@link hash} must be remembered (Unix seconds): afterwards the URL is expired anyway. */
  readonly hashExpiresAt: number
  /** Set when Telegram signed `allows_write_to_pm=true`. */
  readonly allowsWriteToPm: boolean
  /** Every signed field as received, including ones Telegram adds in future. */
  readonly fields: ReadonlyMap<string, string>
}

/** The outcome of {@link LoginVerifier.verify}. */
export type LoginVerification =
  | { readonly ok: true; readonly login: VerifiedLogin }
  | { readonly ok: false; readonly reason: LoginFailureReason; readonly kind: LoginFailureKind }

/** Options of {@link createLoginVerifier}. */
export interface LoginVerifierOptions {
  /** The bot's token; only its SHA-256 is kept. */
  readonly botToken: string
  /** How old `auth_date` may be, in seconds. */
  readonly maxAgeSeconds: number
  /** How far in the future `auth_date` may be, for clock differences. @default 30 */
  readonly futureSkewSeconds?: number
  /** Longest raw query accepted, in characters. @default 4096 */
  readonly maxQueryLength?: number
}

/** Checks Telegram login data for one bot. Build it once; {@link verify} is pure. */
export interface LoginVerifier {
  /**
   * Verifies a raw query string (without `?`) at time `nowSeconds`. Does not check replays:
   * the caller records {@link VerifiedLogin.hash} atomically with the login it completes.
   */
  verify(rawQuery: string, nowSeconds: number): LoginVerification
}

const HASH_SHAPE = /^[0-9a-f]{64}$/
const ID_SHAPE = /^[1-9]\d{0,15}$/
const DATE_SHAPE = /^\d{1,12}$/

function fail(reason: LoginFailureReason): LoginVerification {
  return { ok: false, reason, kind: KIND[reason] }
}

/** Decodes one `application/x-www-form-urlencoded` component, or returns undefined if malformed. */
function decodeComponent(raw: string): string | undefined {
  if (raw.indexOf('%') === -1 && raw.indexOf('+') === -1) return raw
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '))
  } catch {
    return undefined
  }
}

type ParsedQuery = { fields: Map<string, string> } | { failure: LoginFailureReason }

/** Splits a raw query into fields, refusing repeated keys and broken encoding. */
export function parseLoginQuery(rawQuery: string, maxQueryLength = 4096): ParsedQuery {
  if (rawQuery.length > maxQueryLength) return { failure: 'query_too_large' }
  const fields = new Map<string, string>()
  if (rawQuery === '') return { fields }
  let start = 0
  while (start <= rawQuery.length) {
    let end = rawQuery.indexOf('&', start)
    if (end === -1) end = rawQuery.length
    const pair = rawQuery.slice(start, end)
    const eq = pair.indexOf('=')
    if (eq <= 0) return { failure: 'malformed_query' }
    const key = decodeComponent(pair.slice(0, eq))
    const value = decodeComponent(pair.slice(eq + 1))
    if (key === undefined || value === undefined || key === '') return { failure: 'malformed_query' }
    if (fields.has(key)) return { failure: 'repeated_key' }
    fields.set(key, value)
    start = end + 1
  }
  return { fields }
}

/** Telegram's data-check-string: every field but `hash`, as sorted `key=value` lines. */
export function dataCheckString(fields: ReadonlyMap<string, string> | Readonly<Record<string, string>>): string {
  const entries = fields instanceof Map ? [...fields] : Object.entries(fields)
  return entries
    .filter(([key]) => key !== 'hash')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')
}

/**
 * Builds the verifier of DESIGN.md's "Login verification": one parse of the raw query, no
 * repeated key, every received field signed, 64 lowercase hex compared in constant time,
 * an integer `auth_date` neither from the future (beyond a small skew) nor older than allowed.
 */
export function createLoginVerifier(options: LoginVerifierOptions): LoginVerifier {
  const loginKey = createHash('sha256').update(options.botToken).digest()
  // Mini App data is signed with another key; knowing it lets us say why such data is refused.
  const miniAppKey = createHmac('sha256', 'WebAppData').update(options.botToken).digest()
  const skew = options.futureSkewSeconds ?? 30
  const maxAge = options.maxAgeSeconds
  const maxQueryLength = options.maxQueryLength ?? 4096

  return {
    verify(rawQuery, nowSeconds) {
      const parsed = parseLoginQuery(rawQuery, maxQueryLength)
      if ('failure' in parsed) return fail(parsed.failure)
      const { fields } = parsed
      const hash = fields.get('hash')
      const id = fields.get('id')
      const authDate = fields.get('auth_date')
      if (hash === undefined || id === undefined || authDate === undefined) return fail('missing_field')
      if (!HASH_SHAPE.test(hash)) return fail('invalid_hash')
      if (!ID_SHAPE.test(id) || !Number.isSafeInteger(Number(id))) return fail('invalid_id')
      if (!DATE_SHAPE.test(authDate)) return fail('invalid_auth_date')

      const checkString = dataCheckString(fields)
      const received = Buffer.from(hash, 'hex')
      const expected = createHmac('sha256', loginKey).update(checkString).digest()
      if (!timingSafeEqual(received, expected)) {
        const miniApp = createHmac('sha256', miniAppKey).update(checkString).digest()
        return fail(timingSafeEqual(received, miniApp) ? 'mini_app_data' : 'bad_signature')
      }

      const date = Number(authDate)
      if (date > nowSeconds + skew) return fail('from_future')
      if (nowSeconds - date > maxAge) return fail('expired')

      const photoUrl = fields.get('photo_url')
      return {
        ok: true,
        login: {
          telegramId: Number(id),
          firstName: fields.get('first_name') ?? '',
          lastName: fields.get('last_name') ?? null,
          username: fields.get('username') ?? null,
          photoUrl: photoUrl?.startsWith('https://') ? photoUrl : null,
          authDate: date,
          hash,
          hashExpiresAt: date + maxAge + 1,
          allowsWriteToPm: fields.get('allows_write_to_pm') === 'true',
          fields,
        },
      }
    },
  }
}

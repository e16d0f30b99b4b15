import { timingSafeEqual } from 'node:crypto'
import type { Sessions } from '../../session.js'
import { fromUnixSeconds, toUnixSeconds } from '../../../time.js'

/** What a link token says, once verified. */
export interface LinkClaims {
  /** The existing site's id for the user who will link Telegram. */
  readonly externalId: string
  /** A local path to send them to afterwards, if the site gave one. */
  readonly returnTo: string | undefined
  /** Unix seconds after which the token is refused. */
  readonly expiresAt: number
}

/** Outcome of {@link LinkTokens.verify}. */
export type LinkTokenCheck =
  | { readonly ok: true; readonly claims: LinkClaims }
  /** `invalid`: not a token, or not signed by this site; `expired`: signed, but too old. */
  | { readonly ok: false; readonly reason: 'invalid' | 'expired' }

/** Options of {@link LinkTokens}. */
export interface LinkTokenOptions {
  /** How long a token works. @default 600 */
  readonly ttlSeconds?: number
}

/** `payload.mac`, both base64url; the MAC is an HMAC-SHA256, 43 characters. */
const TOKEN_SHAPE = /^([A-Za-z0-9_-]{1,2000})\.([A-Za-z0-9_-]{43})$/
/** Domain separation: what is MACed here can never be a session cookie id (which has no `.`). */
const CONTEXT = 'karmagate.link.v1.'

/**
 * Short-lived, stateless tokens that carry an external id from the existing site to the
 * `/link/<token>` page. They are MACed with the session secret through
 * {@link Sessions.hashId} (HMAC-SHA256 keyed by `SESSION_SECRET`), so the page, which has the
 * site's sessions, verifies them without another secret to configure. Nothing is stored: a token
 * works until it expires, and only moves one external id into one browser's session.
 */
export class LinkTokens {
  private readonly ttlSeconds: number

  constructor(
    private readonly keyed: Pick<Sessions, 'hashId'>,
    options: LinkTokenOptions = {},
  ) {
    this.ttlSeconds = options.ttlSeconds ?? 600
  }

  /** A token for `externalId`, valid from `now` for the configured time. */
  issue(externalId: string, returnTo: string | undefined, now: number): { token: string; expiresAt: number } {
    // The token carries its expiry in whole seconds, as every time we send.
    const expiry = toUnixSeconds(now) + this.ttlSeconds
    const expiresAt = fromUnixSeconds(expiry)
    const payload = Buffer.from(JSON.stringify({ e: externalId, r: returnTo, x: expiry })).toString('base64url')
    return { token: `${payload}.${this.mac(payload)}`, expiresAt }
  }

  /** Checks the MAC in constant time, then the claims and the expiry at `now`. */
  verify(token: string, now: number): LinkTokenCheck {
    const match = TOKEN_SHAPE.exec(token)
    const payload = match?.[1]
    const mac = match?.[2]
    if (payload === undefined || mac === undefined) return { ok: false, reason: 'invalid' }
    if (!timingSafeEqual(Buffer.from(mac), Buffer.from(this.mac(payload)))) return { ok: false, reason: 'invalid' }
    const claims = parseClaims(Buffer.from(payload, 'base64url').toString('utf8'))
    if (!claims) return { ok: false, reason: 'invalid' }
    if (now >= claims.expiresAt) return { ok: false, reason: 'expired' }
    return { ok: true, claims }
  }

  private mac(payload: string): string {
    return this.keyed.hashId(CONTEXT + payload)
  }
}

/** The claims of a payload we signed; undefined if it is not one (which a good MAC rules out). */
function parseClaims(json: string): LinkClaims | undefined {
  try {
    const value: unknown = JSON.parse(json)
    if (typeof value !== 'object' || value === null) return undefined
    const { e, r, x } = value as Record<string, unknown>
    if (typeof e !== 'string' || typeof x !== 'number' || (r !== undefined && typeof r !== 'string')) return undefined
    return { externalId: e, returnTo: r, expiresAt: fromUnixSeconds(x) }
  } catch {
    return undefined
  }
}

import type { IncomingMessage, ServerResponse } from 'node:http'
import { secondsToMs } from '../time.js'

/**
 * Calls `visit` with each cookie of a `Cookie` header, in order, until it returns true; read as
 * the `cookie` package (cookie-parser, Express) reads them: names and values trimmed of spaces
 * and tabs, a quoted value unquoted, a value with `%` URL-decoded when it decodes. The value is
 * decoded only when asked for, so skipping other cookies costs nothing.
 */
function eachCookie(header: string, visit: (name: string, value: () => string) => boolean): void {
  const len = header.length
  // The shortest cookie is a name of one character and `=`.
  if (len < 2) return
  let index = 0
  while (index < len) {
    const eq = header.indexOf('=', index)
    if (eq === -1) return
    let end = header.indexOf(';', index)
    if (end === -1) end = len
    else if (eq > end) {
      // A pair without `=`: start again after the last `;` before this `=`.
      index = header.lastIndexOf(';', eq - 1) + 1
      continue
    }
    const nameStart = skipBlanks(header, index, eq)
    const name = header.slice(nameStart, trimBlanks(header, eq, nameStart))
    const from = end
    const found = visit(name, () => {
      let start = skipBlanks(header, eq + 1, from)
      let stop = trimBlanks(header, from, start)
      if (header.charCodeAt(start) === 0x22 && header.charCodeAt(stop - 1) === 0x22) {
        start++
        stop--
      }
      return decodeValue(header.slice(start, stop))
    })
    if (found) return
    index = end + 1
  }
}

function skipBlanks(text: string, index: number, max: number): number {
  while (index < max) {
    const code = text.charCodeAt(index)
    if (code !== 0x20 && code !== 0x09) return index
    index++
  }
  return max
}

function trimBlanks(text: string, end: number, min: number): number {
  while (end > min) {
    const code = text.charCodeAt(end - 1)
    if (code !== 0x20 && code !== 0x09) return end
    end--
  }
  return min
}

function decodeValue(value: string): string {
  if (!value.includes('%')) return value
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

/** The value of cookie `name` in a `Cookie` header; the first one when it is repeated. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  let found: string | undefined
  eachCookie(header, (cookie, value) => {
    if (cookie !== name) return false
    found = value()
    return true
  })
  return found
}

/** Every cookie of a request, by name; the first value of a repeated name. */
export function parseCookies(req: IncomingMessage): Record<string, string> {
  const cookies: Record<string, string> = Object.create(null) as Record<string, string>
  const header = req.headers.cookie
  if (header === undefined) return cookies
  eachCookie(header, (name, value) => {
    if (!(name in cookies)) cookies[name] = value()
    return false
  })
  return cookies
}

/** The attributes of a cookie this site sets. */
export interface CookieAttributes {
  /** Seconds until it expires; also written as `Expires` from `now`. Omitted: a session cookie. */
  readonly maxAgeSeconds?: number
  /** Written as `Expires` instead of a lifetime (to delete a cookie: a date in the past). */
  readonly expires?: Date
  /** Milliseconds since the epoch, for `Expires` from `maxAgeSeconds`. @default Date.now() */
  readonly now?: number
  readonly path: string
  readonly httpOnly: boolean
  readonly secure: boolean
  readonly sameSite: 'Lax' | 'Strict'
}

/**
 * A `Set-Cookie` value: the value URL-encoded, the attributes in the order Express writes them
 * (`Max-Age`, `Path`, `Expires`, `HttpOnly`, `Secure`, `SameSite`).
 */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  let cookie = `${name}=${encodeURIComponent(value)}`
  let expires = attributes.expires
  if (attributes.maxAgeSeconds !== undefined) {
    const maxAge = Math.floor(attributes.maxAgeSeconds)
    cookie += `; Max-Age=${String(maxAge)}`
    expires ??= new Date((attributes.now ?? Date.now()) + secondsToMs(maxAge))
  }
  cookie += `; Path=${attributes.path}`
  if (expires !== undefined) cookie += `; Expires=${expires.toUTCString()}`
  if (attributes.httpOnly) cookie += '; HttpOnly'
  if (attributes.secure) cookie += '; Secure'
  return `${cookie}; SameSite=${attributes.sameSite}`
}

/** Adds a cookie to the response, keeping any other `Set-Cookie` already on it. */
export function setCookie(res: ServerResponse, name: string, value: string, attributes: CookieAttributes): void {
  res.appendHeader('Set-Cookie', serializeCookie(name, value, attributes))
}

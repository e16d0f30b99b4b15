import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import helmet from 'helmet'
import type { RequestHandler } from 'express'

/** Options of {@link securityHeaders}. */
export interface SecurityHeaderOptions {
  /** Adds HSTS and `upgrade-insecure-requests`, for a site served over https. */
  readonly https: boolean
}

/**
 * helmet with the site's CSP: scripts and styles from this origin only (no inline code), plus
 * what the Telegram Login Widget needs (its script from telegram.org, its frame from
 * oauth.telegram.org, photos from t.me). HSTS and upgrade-insecure-requests only over https,
 * so a plain-http sandbox on localhost keeps working.
 */
export function siteHelmet(options: SecurityHeaderOptions): ReturnType<typeof helmet> {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", 'https://telegram.org'],
        frameSrc: ['https://oauth.telegram.org'],
        imgSrc: ["'self'", 'data:', 'https://t.me', 'https://*.t.me', 'https://telegram.org', 'https://*.telegram.org'],
        styleSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: options.https ? [] : null,
      },
    },
    strictTransportSecurity: options.https,
  })
}

/** Header names and values, as {@link securityHeaderList} gives them. */
export type SecurityHeaderList = readonly (readonly [string, string])[]

/** Sets every header of `list` on `res`. */
export function applySecurityHeaders(res: ServerResponse, list: SecurityHeaderList): void {
  for (const [name, value] of list) res.setHeader(name, value)
}

/**
 * The headers helmet sets with the site's settings, worked out once. They do not depend on the
 * request (no CSP nonce), so every response can get the same list.
 */
export function securityHeaderList(options: SecurityHeaderOptions): SecurityHeaderList {
  const req = new IncomingMessage(new Socket())
  const res = new ServerResponse(req)
  const done = { called: false }
  siteHelmet(options)(req, res, () => {
    done.called = true
  })
  // helmet runs synchronously; if a future version did not, the list would be silently empty.
  if (!done.called) throw new Error('helmet did not set its headers synchronously')
  return Object.entries(res.getHeaders()).map(([name, value]): [string, string] => [
    name,
    Array.isArray(value) ? value.join(', ') : String(value),
  ])
}

/**
 * Middleware setting helmet's headers (see {@link securityHeaderList}). Equivalent to helmet
 * itself, without running its dozen middlewares on every request of the hottest routes.
 */
export function securityHeaders(options: SecurityHeaderOptions): RequestHandler {
  const list = securityHeaderList(options)
  return (_req, res, next) => {
    applySecurityHeaders(res, list)
    next()
  }
}

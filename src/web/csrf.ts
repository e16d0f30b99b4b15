import { doubleCsrf } from 'csrf-csrf'
import type { Request, RequestHandler, Response } from 'express'
import { parseCookies, readCookie } from '../http/cookies.js'

/** CSRF protection for the site's forms, bound to the visitor's session cookie. */
export interface Csrf {
  /** Rejects a state-changing request without a valid token (403). */
  readonly protect: RequestHandler
  /** A token for a form rendered in this response (also sets its cookie). */
  token(req: Request, res: Response): string
}

/** Options of {@link createCsrf}. */
export interface CsrfOptions {
  readonly secret: string
  readonly secure: boolean
  /** The session cookie's name: a token is only good for the session it was made for. */
  readonly sessionCookieName: string
}

/**
 * Signed double-submit tokens (csrf-csrf): the form's hidden `_csrf` field (or an
 * `X-CSRF-Token` header) must match the HttpOnly cookie, and both are tied to the session id,
 * so a login (which rotates the session) invalidates tokens issued before it.
 */
export function createCsrf(options: CsrfOptions): Csrf {
  const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
    getSecret: () => options.secret,
    getSessionIdentifier: (req) => readCookie(req.headers.cookie, options.sessionCookieName) ?? '',
    cookieName: options.secure ? '__Host-kg_csrf' : 'kg_csrf',
    cookieOptions: { sameSite: 'lax', secure: options.secure, httpOnly: true, path: '/' },
    getCsrfTokenFromRequest: (req) => {
      const body = req.body as Record<string, unknown> | undefined
      const fromForm = body?._csrf
      if (typeof fromForm === 'string') return fromForm
      return req.headers['x-csrf-token']
    },
  })
  return {
    protect: (req, res, next) => {
      withCookies(req)
      doubleCsrfProtection(req, res, next)
    },
    token: (req, res) => {
      withCookies(req)
      return generateCsrfToken(req, res, { overwrite: false, validateOnReuse: false })
    },
  }
}

/**
 * Fills `req.cookies`, where csrf-csrf reads its own cookie, with the site's one cookie parser:
 * only for the requests that use a token, not for every request as cookie-parser did.
 */
function withCookies(req: Request): void {
  const target = req as { cookies?: Record<string, string> }
  target.cookies ??= parseCookies(req)
}

import type { IncomingMessage, ServerResponse } from 'node:http'
import { ipKeyGenerator, rateLimit } from 'express-rate-limit'
import type { RequestHandler } from 'express'
import type { Logger } from 'pino'
import type { Store } from '../../db/store.js'
import {
  LOGIN_FAILURE_MESSAGES,
  type LoginFailureReason,
  type LoginVerifier,
  loginFailureKind,
} from '../../login/verify.js'
import { answerError, HttpError } from '../errors.js'
import { type FastRoute, runMiddleware } from '../fast-lane.js'
import { rawQueryOf } from '../../http/request.js'
import { type Sessions, safeReturnPath } from '../session.js'
import { applySecurityHeaders, type SecurityHeaderList } from '../security-headers.js'
import { fromUnixSeconds, toUnixSeconds } from '../../time.js'

/** What {@link loginRoute} needs. */
export interface LoginRouteDeps {
  readonly store: Store
  readonly sessions: Sessions
  readonly verifier: LoginVerifier
  readonly logger: Logger
  /** The site's security headers (see `securityHeaderList`), set on every answer. */
  readonly securityHeaders: SecurityHeaderList
  /** Logins allowed per client address and minute; 0 turns the limit off. */
  readonly rateLimitPerMinute: number
  /** The client's address, as the site's `trust proxy` setting reads it. */
  readonly clientAddress: (req: IncomingMessage) => string
}

function refusal(reason: LoginFailureReason): HttpError {
  return new HttpError(loginFailureKind(reason) === 'malformed' ? 400 : 401, reason, LOGIN_FAILURE_MESSAGES[reason])
}

/**
 * `GET /auth/telegram`, where Telegram sends a member with signed login data (Seamless Login
 * button or Login Widget). A valid login upserts the member and starts a fresh session; any
 * refusal writes nothing and sets no session.
 *
 * Served ahead of Express (see `fast-lane.ts`), and only there: every login is a first visit,
 * worth the least work. It reads only its own cookie and answers errors with the site's error
 * writer. Only `GET`: a `HEAD` or a `POST` goes on to Express, which has no such route (404).
 */
export function loginRoute(deps: LoginRouteDeps): FastRoute {
  const { store, sessions, verifier, logger, securityHeaders } = deps
  const limiter = deps.rateLimitPerMinute > 0 ? loginRateLimit(deps.rateLimitPerMinute, deps.clientAddress) : undefined

  const logIn = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (limiter) {
      const refused = await runMiddleware(limiter, req, res)
      if (refused !== undefined)
        throw refused instanceof Error ? refused : new Error('the login rate limiter failed', { cause: refused })
    }
    const now = sessions.now()
    // The raw query, parsed once by the verifier: a generic parser would merge repeated keys.
    const result = verifier.verify(rawQueryOf(req), toUnixSeconds(now))
    if (!result.ok) {
      logger.info({ reason: result.reason }, 'login refused')
      throw refusal(result.reason)
    }
    const { login } = result
    const previous = await sessions.fromRequest(req)
    const { id, idHash } = sessions.newId()
    const expiresAt = sessions.memberExpiry()
    const completion = await store.logins.complete(
      {
        hash: login.hash,
        signedAt: fromUnixSeconds(login.authDate),
        hashExpiresAt: fromUnixSeconds(login.hashExpiresAt),
        profile: {
          telegramId: login.telegramId,
          firstName: login.firstName,
          lastName: login.lastName,
          username: login.username,
          photoUrl: login.photoUrl,
          allowsWriteToPm: login.allowsWriteToPm,
        },
        session: { idHash, data: {}, expiresAt },
        previousSessionIdHash: previous?.idHash,
      },
      now,
    )
    if (!completion.ok) {
      logger.info({ reason: completion.reason, telegramId: login.telegramId }, 'login refused')
      throw refusal(completion.reason)
    }
    logger.info({ userId: completion.userId, telegramId: login.telegramId }, 'member logged in')
    res.statusCode = 302
    res.setHeader('Location', safeReturnPath(previous?.data.returnTo) ?? '/me')
    res.setHeader('Cache-Control', 'no-store')
    sessions.setCookie(res, id, expiresAt)
    res.setHeader('Content-Length', '0')
    res.end()
  }

  return {
    method: 'GET',
    path: '/auth/telegram',
    handle: async (req, res) => {
      applySecurityHeaders(res, securityHeaders)
      try {
        await logIn(req, res)
      } catch (error) {
        if (res.headersSent) throw error
        answerError(req, res, error, logger)
      }
      return true
    },
  }
}

/**
 * Logins allowed per client address and minute; a 429 page past it. The draft-7 `RateLimit`
 * headers: unlike draft-8's, express-rate-limit sets them on a plain Node response.
 */
function loginRateLimit(perMinute: number, clientAddress: (req: IncomingMessage) => string): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // The same key with or without Express (whose `req.ip` the default would read): an IPv4
    // address, or an IPv6 address's /56 network.
    keyGenerator: (req) => ipKeyGenerator(clientAddress(req)),
    // Checks of Express's `req.ip` and `trust proxy`, which this limiter does not read.
    validate: { ip: false, trustProxy: false, xForwardedForHeader: false, forwardedHeader: false },
    handler: (_req, _res, next) => {
      next(
        new HttpError(429, 'rate_limited', 'Too many login attempts from your address. Wait a minute and try again.'),
      )
    },
  })
}

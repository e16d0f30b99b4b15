import type { RequestHandler } from 'express'
import type { Logger } from 'pino'
import type { Store } from '../../db/store.js'
import { LOGIN_FAILURE_MESSAGES, type LoginFailureReason, type LoginVerifier, loginFailureKind } from '../../login/verify.js'
import { HttpError } from '../errors.js'
import { type Sessions, safeReturnPath } from '../session.js'

/** What {@link authRoutes} needs. */
export interface AuthRoutesDeps {
  readonly store: Store
  readonly sessions: Sessions
  readonly verifier: LoginVerifier
  readonly logger: Logger
}

function refusal(reason: LoginFailureReason): HttpError {
  return new HttpError(loginFailureKind(reason) === 'malformed' ? 400 : 401, reason, LOGIN_FAILURE_MESSAGES[reason])
}

/**
 * `GET /auth/telegram`, where Telegram sends a member with signed login data (Seamless Login
 * button or Login Widget). A valid login upserts the member and starts a fresh session; any
 * refusal writes nothing and sets no session.
 *
 * A plain handler, mounted on the app ahead of the cookie, body and session middleware: every
 * login is a first visit worth the least work (it reads only its own cookie, and answers
 * without Express's content negotiation). Refusals are thrown to the app's error handler.
 */
export function loginHandler(deps: AuthRoutesDeps): RequestHandler {
  const { store, sessions, verifier, logger } = deps
  return async (req, res) => {
    // The raw query, parsed once by the verifier: Express's parser would merge repeated keys.
    const url = req.originalUrl
    const q = url.indexOf('?')
    const rawQuery = q === -1 ? '' : url.slice(q + 1)
    const now = sessions.now()
    const result = verifier.verify(rawQuery, now)
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
        authDate: login.authDate,
        hashExpiresAt: login.hashExpiresAt,
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
    sessions.appendCookie(res, id, expiresAt)
    res.setHeader('Content-Length', '0')
    res.end()
  }
}

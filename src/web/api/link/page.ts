import { Router } from 'express'
import type { Logger } from 'pino'
import type { Store } from '../../../db/store.js'
import { HttpError } from '../../errors.js'
import { safeReturnPath, type Sessions } from '../../session.js'
import { recordLink } from './record.js'
import { linkRefused } from './refusal.js'
import { LinkTokens } from './token.js'

/** What {@link linkRoutes} needs: the site's sessions, which also key the link tokens. */
export interface LinkRoutesDeps {
  readonly store: Store
  readonly sessions: Sessions
  readonly logger: Logger
}

/**
 * `GET /link/<token>`, where the existing site sends its logged-in user with a token from
 * `POST /api/v1/link-tokens`. A member already logged in is linked at once; a visitor keeps the
 * external id in their session (never in the signed Telegram query) and is sent to log in, and
 * their login links it in the same transaction. A bad token is a 400 page, an old one 410.
 */
export function linkRoutes(deps: LinkRoutesDeps): Router {
  const { store, sessions, logger } = deps
  const tokens = new LinkTokens(sessions)
  const router = Router()

  router.get('/link/:token', async (req, res) => {
    res.set('Cache-Control', 'no-store')
    const now = sessions.now()
    const check = tokens.verify(req.params.token, now)
    if (!check.ok) {
      throw check.reason === 'expired'
        ? new HttpError(410, 'link_expired', 'This link has expired. Go back to the site and start linking your Telegram account again.', 'Link expired')
        : new HttpError(400, 'link_invalid', 'This link is not valid. Go back to the site and start linking your Telegram account again.', 'Link not valid')
    }
    const { externalId, returnTo } = check.claims
    const next = safeReturnPath(returnTo) ?? '/me'
    const member = res.locals.member
    if (!member) {
      await sessions.startVisitor(res, { returnTo: next, linkExternalId: externalId })
      res.redirect(302, '/')
      return
    }
    const outcome = await store.logins.linkExternalId(member.id, externalId, now)
    if (!outcome.ok) throw linkRefused(outcome.reason)
    await recordLink(store, logger, outcome, now)
    res.redirect(302, next)
  })

  return router
}

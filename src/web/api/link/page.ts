import { Router } from 'express'
import type { Logger } from 'pino'
import type { Store } from '../../../db/store.js'
import type { Csrf } from '../../csrf.js'
import { HttpError } from '../../errors.js'
import { safeReturnPath, type Sessions } from '../../session.js'
import { displayName } from '../../views/pages.js'
import { linkConfirmationPage } from './confirm-view.js'
import { recordLink } from './record.js'
import { linkRefused } from './refusal.js'
import { type LinkClaims, LinkTokens } from './token.js'

/** What {@link linkRoutes} needs: the site's sessions (which also key the link tokens) and CSRF. */
export interface LinkRoutesDeps {
  readonly store: Store
  readonly sessions: Sessions
  readonly csrf: Csrf
  readonly logger: Logger
}

/**
 * Account linking, where the existing site sends its logged-in user with a token from
 * `POST /api/v1/link-tokens`:
 * - `GET /link/<token>` changes nothing. A visitor is sent to log in with Telegram and comes
 *   back here; a member sees who would be linked to what, and a button.
 * - `POST /link/<token>` (CSRF-protected) links.
 * Linking on the GET would let any page that embeds the URL link a logged-in visitor's Telegram
 * account to someone else's site account; a confirmed POST from our own page cannot be forged.
 * A bad token is a 400 page, an old one 410.
 */
export function linkRoutes(deps: LinkRoutesDeps): Router {
  const { store, sessions, csrf, logger } = deps
  const tokens = new LinkTokens(sessions)
  const router = Router()

  const claimsOf = (token: string): LinkClaims => {
    const check = tokens.verify(token, sessions.now())
    if (check.ok) return check.claims
    throw check.reason === 'expired'
      ? new HttpError(
          410,
          'link_expired',
          'This link has expired. Go back to the site and start linking your Telegram account again.',
          'Link expired',
        )
      : new HttpError(
          400,
          'link_invalid',
          'This link is not valid. Go back to the site and start linking your Telegram account again.',
          'Link not valid',
        )
  }

  router.get('/link/:token', async (req, res) => {
    res.set('Cache-Control', 'no-store')
    const claims = claimsOf(req.params.token)
    const member = res.locals.member
    if (!member) {
      // After the Telegram login, back to this page to confirm.
      await sessions.startVisitor(res, { returnTo: `/link/${req.params.token}` })
      res.redirect(302, '/')
      return
    }
    res.type('html').send(
      linkConfirmationPage({
        memberName: displayName(member),
        username: member.username,
        externalId: claims.externalId,
        alreadyLinkedTo: member.externalId,
        action: `/link/${req.params.token}`,
        csrfToken: csrf.token(req, res),
      }).value,
    )
  })

  router.post('/link/:token', csrf.protect, async (req, res) => {
    const claims = claimsOf(String(req.params.token))
    const member = res.locals.member
    if (!member)
      throw new HttpError(
        401,
        'not_logged_in',
        'Log in with Telegram first, then open the link again.',
        'Not logged in',
      )
    const now = sessions.now()
    const outcome = await store.logins.linkExternalId(member.id, claims.externalId, now)
    if (!outcome.ok) throw linkRefused(outcome.reason)
    await recordLink(store, logger, outcome, now)
    res.redirect(303, safeReturnPath(claims.returnTo) ?? '/me')
  })

  return router
}

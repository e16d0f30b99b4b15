import { Router } from 'express'
import type { LinkTokens } from '../link/token.js'
import { linkTokenBodySchema } from '../schemas/requests.js'
import type { LinkTokenJson } from '../schemas/responses.js'
import { isoTime } from '../serialize.js'
import { parseOr400 } from '../validate.js'

/** What {@link linkTokenRoutes} needs. */
export interface LinkTokenRoutesDeps {
  readonly tokens: LinkTokens
  /** The site's origin: link URLs are absolute, for the existing site to redirect to. */
  readonly publicUrl: string
  /** Current time in milliseconds. */
  readonly clock: () => number
}

/**
 * `POST /link-tokens {"externalId", "returnTo"?}` → `201 {"url", "expiresAt"}`: a short-lived
 * URL to which the existing site sends its logged-in user to link their Telegram account.
 */
export function linkTokenRoutes(deps: LinkTokenRoutesDeps): Router {
  const router = Router()
  router.post('/link-tokens', (req, res) => {
    const { externalId, returnTo } = parseOr400(linkTokenBodySchema, req.body)
    const { token, expiresAt } = deps.tokens.issue(externalId, returnTo, deps.clock())
    const body: LinkTokenJson = { url: `${deps.publicUrl}/link/${token}`, expiresAt: isoTime(expiresAt) }
    res.status(201).json(body)
  })
  return router
}

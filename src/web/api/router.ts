import { Router } from 'express'
import type { Logger } from 'pino'
import type { Config } from '../../config.js'
import type { Store } from '../../db/store.js'
import { Sessions } from '../session.js'
import { requireApiKey } from './auth.js'
import { apiErrorHandler, apiNotFound } from './errors.js'
import { jsonBody } from './json-body.js'
import { LinkTokens } from './link/token.js'
import { openApiDocument } from './openapi.js'
import { perKeyRateLimit } from './rate-limit.js'
import { karmaEventRoutes } from './routes/karma-events.js'
import { linkTokenRoutes } from './routes/link-tokens.js'
import { memberRoutes } from './routes/members.js'

/** What {@link apiRouter} needs; the site passes its own deps. */
export interface ApiDeps {
  readonly config: Pick<Config, 'publicUrl' | 'sessionSecret' | 'secureCookies' | 'sessionMaxAgeSeconds'>
  readonly store: Store
  readonly logger: Logger
  /** Current time in milliseconds. @default Date.now */
  readonly clock?: (() => number) | undefined
  /** Requests a minute for each API key; 0 turns the limit off. @default 600 */
  readonly rateLimitPerMinute?: number
  /** The largest request body, in bytes: a full batch of short events fits easily. @default 1048576 */
  readonly maxBodyBytes?: number
  /** How long an account-linking URL works. @default 600 */
  readonly linkTokenTtlSeconds?: number
}

/**
 * The REST API, to mount at `/api/v1` before the site's cookies and CSRF: bearer API keys,
 * a rate limit per key, JSON in and out, errors as `{"error": {"code", "message"}}`. Only
 * `GET /openapi.json` needs no key.
 */
export function apiRouter(deps: ApiDeps): Router {
  const { config, store, logger } = deps
  const clock = deps.clock ?? Date.now
  const rateLimitPerMinute = deps.rateLimitPerMinute ?? 600
  // The /link page verifies these tokens with the site's sessions; the same keyed hash signs them.
  const tokens = new LinkTokens(
    new Sessions(store, { secret: config.sessionSecret, secure: config.secureCookies, maxAgeSeconds: config.sessionMaxAgeSeconds, clock }),
    { ttlSeconds: deps.linkTokenTtlSeconds ?? 600 },
  )
  const document = openApiDocument(config.publicUrl)
  const router = Router()

  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store')
    next()
  })
  router.get('/openapi.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(document)
  })
  router.use(requireApiKey(store, clock))
  if (rateLimitPerMinute > 0) router.use(perKeyRateLimit(rateLimitPerMinute))
  router.use(jsonBody(deps.maxBodyBytes ?? 1024 * 1024))
  router.use(karmaEventRoutes(store))
  router.use(memberRoutes({ store, clock }))
  router.use(linkTokenRoutes({ tokens, publicUrl: config.publicUrl, clock }))
  router.use(apiNotFound)
  router.use(apiErrorHandler(logger))
  return router
}

import { Router } from 'express'
import type { Logger } from 'pino'
import type { Config } from '../../config.js'
import type { Store } from '../../db/store.js'
import type { FastRoute } from '../fast-lane.js'
import { Sessions } from '../session.js'
import { apiGate } from './auth.js'
import { apiErrorHandler, apiNotFound } from './errors.js'
import { jsonBody } from './json-body.js'
import { LinkTokens } from './link/token.js'
import { openApiDocument } from './openapi.js'
import { invalidKeyLimit, perKeyRateLimit } from './rate-limit.js'
import { karmaEventsRoute } from './routes/karma-events.js'
import { linkTokenRoutes } from './routes/link-tokens.js'
import { memberRoutes } from './routes/members.js'
import type { SecurityHeaderList } from '../security-headers.js'
import { clientAddressOf } from '../../http/request.js'

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
  /** The site's security headers (see `securityHeaderList`), for the routes served without Express. */
  readonly securityHeaders: SecurityHeaderList
  /** Requests with a missing or bad key one client address may send a minute. @default 30 */
  readonly invalidKeysPerMinute?: number
  /** Proxies in front of the site (`TRUST_PROXY`), to read client addresses. @default 0 */
  readonly trustProxy?: number
}

/** The API: its Express router, and its busiest route, served ahead of Express. */
export interface ApiRoutes {
  /** Mount at `/api/v1`, before the site's cookies and CSRF. */
  readonly router: Router
  /** For the site's fast lane (see `fast-lane.ts`): the routes the router does not have. */
  readonly fastRoutes: readonly FastRoute[]
}

/**
 * The REST API under `/api/v1`: bearer API keys, a rate limit per key, JSON in and out, errors
 * as `{"error": {"code", "message"}}`. Only `GET /openapi.json` needs no key.
 * `POST /karma-events`, which sites call at volume, is a fast-lane route; it and the router
 * admit requests through the same gate (key, then limit), read bodies the same way and answer
 * errors with the same writer.
 */
export function apiRoutes(deps: ApiDeps): ApiRoutes {
  const { config, store, logger } = deps
  const clock = deps.clock ?? Date.now
  const rateLimitPerMinute = deps.rateLimitPerMinute ?? 600
  // The /link page verifies these tokens with the site's sessions; the same keyed hash signs them.
  const tokens = new LinkTokens(
    new Sessions(store, {
      secret: config.sessionSecret,
      secure: config.secureCookies,
      maxAgeSeconds: config.sessionMaxAgeSeconds,
      clock,
    }),
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
  const gate = apiGate(
    store,
    clock,
    rateLimitPerMinute > 0 ? perKeyRateLimit(rateLimitPerMinute) : undefined,
    invalidKeyLimit(deps.invalidKeysPerMinute ?? 30, clientAddressOf(deps.trustProxy ?? 0), clock),
  )
  router.use(gate.middleware)
  const maxBodyBytes = deps.maxBodyBytes ?? 1024 * 1024
  router.use(jsonBody(maxBodyBytes))
  router.use(memberRoutes({ store, clock }))
  router.use(linkTokenRoutes({ tokens, publicUrl: config.publicUrl, clock }))
  router.use(apiNotFound)
  router.use(apiErrorHandler(logger))
  const karmaEvents = karmaEventsRoute({
    store,
    logger,
    gate,
    securityHeaders: deps.securityHeaders,
    maxBodyBytes,
  })
  return { router, fastRoutes: [karmaEvents] }
}

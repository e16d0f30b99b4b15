import type { RequestListener } from 'node:http'
import express, { type RequestHandler, type Router } from 'express'
import type { Logger } from 'pino'
import { clientAddressOf, pathOf } from '../http/request.js'
import type { Config } from '../config.js'
import type { Store } from '../db/store.js'
import { createLoginVerifier } from '../login/verify.js'
import { adminRoutes } from './admin/index.js'
import { apiRoutes } from './api/router.js'
import { createCsrf } from './csrf.js'
import { errorHandler, notFound } from './errors.js'
import { withFastLane } from './fast-lane.js'
import { linkRoutes } from './api/link/page.js'
import { loginRoute } from './routes/auth.js'
import { healthRoutes } from './routes/health.js'
import { pageRoutes } from './routes/pages.js'
import { securityHeaderList, securityHeaders } from './security-headers.js'
import { Sessions } from './session.js'

/** Everything the site needs, built once in `cli.ts` (or by a test over a temp database). */
export interface AppDeps {
  readonly config: Pick<
    Config,
    | 'botToken'
    | 'publicUrl'
    | 'secureCookies'
    | 'sessionSecret'
    | 'sessionMaxAgeSeconds'
    | 'loginMaxAgeSeconds'
    | 'loginRateLimitPerMinute'
    | 'trustProxy'
    | 'adminTelegramIds'
  > &
    Partial<Pick<Config, 'canaryIntervalSeconds'>>
  /** The bot's username, from the config or `getMe`. */
  readonly botUsername: string
  readonly store: Store
  readonly logger: Logger
  /** Current time in milliseconds. @default Date.now */
  readonly clock?: () => number
  /** The bot's `POST /telegram/webhook`, in webhook mode. */
  readonly webhook?: RequestHandler
  /**
   * The Telegram emulator, in the sandbox only: its Bot API at `/sandbox/api` and its page at
   * `/sandbox`. Never mounted when a real bot token is configured.
   */
  readonly sandbox?: { readonly botApi: Router; readonly app: Router }
}

/**
 * Builds the site's request listener (not listening): helmet headers with a CSP that admits the
 * Telegram widget, cookie sessions, CSRF on forms, rate-limited login, readable errors. The
 * login and the API's karma events are served ahead of Express (see `fast-lane.ts`), everything
 * else by Express.
 */
export function createApp(deps: AppDeps): RequestListener {
  const { config, store, logger } = deps
  const app = express()
  app.disable('x-powered-by')
  app.set('trust proxy', config.trustProxy)
  app.set('query parser', 'simple')

  // Telegram's webhook first: it needs no browser headers, and it is the hottest path.
  if (deps.webhook) app.use(deps.webhook)
  const headers = securityHeaderList({ https: config.secureCookies })
  app.use(securityHeaders({ https: config.secureCookies }))

  const sessions = new Sessions(store, {
    secret: config.sessionSecret,
    secure: config.secureCookies,
    maxAgeSeconds: config.sessionMaxAgeSeconds,
    clock: deps.clock,
  })
  const login = loginRoute({
    store,
    sessions,
    verifier: createLoginVerifier({ botToken: config.botToken, maxAgeSeconds: config.loginMaxAgeSeconds }),
    logger,
    securityHeaders: headers,
    rateLimitPerMinute: config.loginRateLimitPerMinute,
    clientAddress: clientAddressOf(config.trustProxy),
  })
  app.use(
    healthRoutes({
      store,
      logger,
      canaryIntervalSeconds: config.canaryIntervalSeconds ?? 0,
      ...(deps.clock ? { clock: deps.clock } : {}),
    }),
  )
  // Machine-to-machine routes parse their own bodies and need no session.
  if (deps.sandbox) app.use('/sandbox/api', deps.sandbox.botApi)
  const api = apiRoutes({
    config,
    store,
    logger,
    clock: deps.clock,
    securityHeaders: headers,
    trustProxy: config.trustProxy,
  })
  app.use('/api/v1', api.router)

  app.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }))

  const csrf = createCsrf({
    secret: config.sessionSecret,
    secure: config.secureCookies,
    sessionCookieName: sessions.cookieName,
  })
  app.use(sessions.load())
  app.use(linkRoutes({ store, sessions, csrf, logger }))
  app.use(pageRoutes({ sessions, csrf, store, botUsername: deps.botUsername, publicUrl: config.publicUrl }))
  app.use('/admin', adminRoutes({ store, sessions, csrf, config, logger, clock: deps.clock }))
  if (deps.sandbox) app.use('/sandbox', deps.sandbox.app)
  app.use(notFound)
  app.use(errorHandler(logger))
  return withFastLane([login, ...api.fastRoutes], app, {
    onError: (err: unknown, req) => {
      logger.error({ err, method: req.method, path: pathOf(req) }, 'request failed')
    },
  })
}

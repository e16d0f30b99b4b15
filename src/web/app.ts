import cookieParser from 'cookie-parser'
import express, { type Express, type RequestHandler, type Router } from 'express'
import { rateLimit } from 'express-rate-limit'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { Store } from '../db/store.js'
import { createLoginVerifier } from '../login/verify.js'
import { adminRoutes } from './admin/index.js'
import { apiRouter } from './api/router.js'
import { createCsrf } from './csrf.js'
import { errorHandler, HttpError, notFound } from './errors.js'
import { linkRoutes } from './api/link/page.js'
import { loginHandler } from './routes/auth.js'
import { healthRoutes } from './routes/health.js'
import { pageRoutes } from './routes/pages.js'
import { securityHeaders } from './security-headers.js'
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
 * Builds the Express site (not listening): helmet headers with a CSP that admits the Telegram
 * widget, cookie sessions, CSRF on forms, rate-limited login, readable errors.
 */
export function createApp(deps: AppDeps): Express {
  const { config, store, logger } = deps
  const app = express()
  app.disable('x-powered-by')
  app.set('trust proxy', config.trustProxy)
  app.set('query parser', 'simple')

  // Telegram's webhook first: it needs no browser headers, and it is the hottest path.
  if (deps.webhook) app.use(deps.webhook)
  app.use(securityHeaders({ https: config.secureCookies }))

  const sessions = new Sessions(store, {
    secret: config.sessionSecret,
    secure: config.secureCookies,
    maxAgeSeconds: config.sessionMaxAgeSeconds,
    clock: deps.clock,
  })
  // The login route is first among the pages: it needs none of their middleware.
  const verifier = createLoginVerifier({ botToken: config.botToken, maxAgeSeconds: config.loginMaxAgeSeconds })
  const login = loginHandler({ store, sessions, verifier, logger })
  if (config.loginRateLimitPerMinute > 0) app.get('/auth/telegram', loginRateLimit(config.loginRateLimitPerMinute), login)
  else app.get('/auth/telegram', login)
  app.use(healthRoutes({ store, logger, canaryIntervalSeconds: config.canaryIntervalSeconds ?? 0, ...(deps.clock ? { clock: deps.clock } : {}) }))
  // Machine-to-machine routes parse their own bodies and need no session.
  if (deps.sandbox) app.use('/sandbox/api', deps.sandbox.botApi)
  app.use('/api/v1', apiRouter({ config, store, logger, clock: deps.clock }))

  app.use(cookieParser())
  app.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }))

  const csrf = createCsrf({ secret: config.sessionSecret, secure: config.secureCookies, sessionCookieName: sessions.cookieName })
  app.use(sessions.load())
  app.use(linkRoutes({ store, sessions, csrf, logger }))
  app.use(pageRoutes({ sessions, csrf, store, botUsername: deps.botUsername, publicUrl: config.publicUrl }))
  app.use('/admin', adminRoutes({ store, sessions, csrf, config, logger, clock: deps.clock }))
  if (deps.sandbox) app.use('/sandbox', deps.sandbox.app)
  app.use(notFound)
  app.use(errorHandler(logger))
  return app
}

/** Logins allowed per client address and minute; a 429 page past it. */
function loginRateLimit(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => {
      next(new HttpError(429, 'rate_limited', 'Too many login attempts from your address. Wait a minute and try again.'))
    },
  })
}

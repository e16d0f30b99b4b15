import type { RequestHandler } from 'express'
import { rateLimit } from 'express-rate-limit'
import { apiKeyOf } from './auth.js'
import { ApiError } from './errors.js'

/**
 * Middleware: at most `perMinute` requests a minute for each API key (after
 * `requireApiKey`), so one site's runaway loop cannot starve the others. Past it, 429 with
 * `Retry-After` and the draft-8 `RateLimit` headers.
 */
export function perKeyRateLimit(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (_req, res) => `key:${String(apiKeyOf(res.locals).id)}`,
    // These checks are about keying by client address, which this limiter does not do.
    validate: { ip: false, trustProxy: false, xForwardedForHeader: false },
    handler: (_req, _res, next) => {
      next(new ApiError(429, 'rate_limited', `This API key sent more than ${String(perMinute)} requests in a minute. Wait for Retry-After seconds, then retry.`))
    },
  })
}

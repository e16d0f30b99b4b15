import type { IncomingMessage, ServerResponse } from 'node:http'
import { rateLimit } from 'express-rate-limit'
import type { ApiKey } from '../../db/api-keys.js'
import { runMiddleware } from '../fast-lane.js'
import { ApiError } from './errors.js'
import { MINUTE, msToWholeSeconds } from '../../time.js'

/** At most so many requests a minute for each API key (see {@link perKeyRateLimit}). */
export interface ApiRateLimit {
  /** Counts the request against `key`; throws the 429 `ApiError` past the limit. */
  check(req: IncomingMessage, res: ServerResponse, key: ApiKey): Promise<void>
}

/** Refusals of unknown keys, counted per client address (see {@link invalidKeyLimit}). */
export interface InvalidKeyLimit {
  /** Throws the 429 `ApiError` when the request's address has sent too many bad keys lately. */
  check(req: IncomingMessage, res: ServerResponse): void
  /** Counts a request whose key was missing, malformed, unknown or revoked. */
  failed(req: IncomingMessage): void
}

/**
 * At most `perMinute` requests with a missing or bad API key from one client address in a
 * minute: past it, 429 before any key is looked at, so guessing keys costs time and the database
 * nothing. Addresses are read as the site reads them (`TRUST_PROXY`).
 */
export function invalidKeyLimit(
  perMinute: number,
  clientAddress: (req: IncomingMessage) => string,
  clock: () => number = Date.now,
): InvalidKeyLimit {
  const windows = new Map<string, { start: number; count: number }>()
  const current = (address: string, now: number) => {
    const window = windows.get(address)
    if (window && now - window.start < MINUTE) return window
    if (windows.size >= 100_000) windows.clear()
    const fresh = { start: now, count: 0 }
    windows.set(address, fresh)
    return fresh
  }
  return {
    check: (req, res) => {
      const now = clock()
      const window = windows.get(clientAddress(req))
      if (window && now - window.start < MINUTE && window.count >= perMinute) {
        res.setHeader('Retry-After', String(msToWholeSeconds(window.start + MINUTE - now)))
        throw new ApiError(
          429,
          'rate_limited',
          `More than ${String(perMinute)} requests with a missing or bad API key came from this address in a minute. Wait for Retry-After seconds.`,
        )
      }
    },
    failed: (req) => {
      current(clientAddress(req), clock()).count += 1
    },
  }
}

/**
 * At most `perMinute` requests a minute for each API key, so one site's runaway loop cannot
 * starve the others. Past it, 429 with `Retry-After`. Every answer carries the draft-7
 * `RateLimit` headers: unlike draft-8's, express-rate-limit sets them on a plain Node response
 * (the API's hottest route is served without Express) and needs no hash of the key for them.
 */
export function perKeyRateLimit(perMinute: number): ApiRateLimit {
  // The key each request was authenticated with, for the limiter's key generator.
  const keyIds = new WeakMap<IncomingMessage, number>()
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req) => `key:${String(keyIds.get(req))}`,
    // These checks are about keying by client address, which this limiter does not do.
    validate: { ip: false, trustProxy: false, xForwardedForHeader: false, forwardedHeader: false },
    handler: (_req, _res, next) => {
      next(
        new ApiError(
          429,
          'rate_limited',
          `This API key sent more than ${String(perMinute)} requests in a minute. Wait for Retry-After seconds, then retry.`,
        ),
      )
    },
  })
  return {
    check: async (req, res, key) => {
      keyIds.set(req, key.id)
      const refused = await runMiddleware(limiter, req, res)
      if (refused !== undefined)
        throw refused instanceof Error ? refused : new Error('the API rate limiter failed', { cause: refused })
    },
  }
}

import type { RequestHandler } from 'express'
import type { ApiKey } from '../../db/api-keys.js'
import type { Store } from '../../db/store.js'
import { ApiError } from './errors.js'

declare global {
  // Express's own extension point for typed res.locals.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** The API key that authenticated this request, on `/api/v1` routes. */
      apiKey?: ApiKey
    }
  }
}

// RFC 6750's `Bearer` scheme; the scheme's name is case-insensitive.
const BEARER = /^Bearer +(\S+) *$/i

/**
 * Middleware: requires `Authorization: Bearer kg_…` naming a live key, and puts it in
 * `res.locals.apiKey`. No header is `missing_api_key`; a malformed, unknown or revoked key is
 * `invalid_api_key`; both are 401 with a `WWW-Authenticate` challenge.
 */
export function requireApiKey(store: Store, clock: () => number): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization')
    if (header === undefined || header.trim() === '') {
      res.set('WWW-Authenticate', 'Bearer realm="karmagate"')
      throw new ApiError(401, 'missing_api_key', 'Send an API key: "Authorization: Bearer kg_…". Create one on the admin site or with `karmagate api-key:create NAME`.')
    }
    const secret = BEARER.exec(header)?.[1]
    const key = secret === undefined ? undefined : await store.apiKeys.authenticate(secret, Math.floor(clock() / 1000))
    if (!key) {
      res.set('WWW-Authenticate', 'Bearer realm="karmagate", error="invalid_token"')
      throw new ApiError(401, 'invalid_api_key', 'The API key is malformed, unknown or revoked.')
    }
    res.locals.apiKey = key
    next()
  }
}

/** The key that authenticated the request; only for handlers behind {@link requireApiKey}. */
export function apiKeyOf(locals: Express.Locals): ApiKey {
  const key = locals.apiKey
  if (!key) throw new Error('requireApiKey must run before this handler')
  return key
}

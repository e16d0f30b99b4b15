import type { IncomingMessage, ServerResponse } from 'node:http'
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
 * The live API key `Authorization: Bearer kg_…` names. No header is `missing_api_key`; a
 * malformed, unknown or revoked key is `invalid_api_key`; both are 401, with a
 * `WWW-Authenticate` challenge set on `res`.
 */
export async function authenticateApiKey(
  req: IncomingMessage,
  res: ServerResponse,
  store: Store,
  clock: () => number,
): Promise<ApiKey> {
  const header = req.headers.authorization
  if (header === undefined || header.trim() === '') {
    res.setHeader('WWW-Authenticate', 'Bearer realm="karmagate"')
    throw new ApiError(
      401,
      'missing_api_key',
      'Send an API key: "Authorization: Bearer kg_…". Create one on the admin site or with `karmagate api-key:create NAME`.',
    )
  }
  const secret = BEARER.exec(header)?.[1]
  const key = secret === undefined ? undefined : await store.apiKeys.authenticate(secret, Math.floor(clock() / 1000))
  if (!key) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="karmagate", error="invalid_token"')
    throw new ApiError(401, 'invalid_api_key', 'The API key is malformed, unknown or revoked.')
  }
  return key
}

/** Middleware: {@link authenticateApiKey}, the key then in `res.locals.apiKey`. */
export function requireApiKey(store: Store, clock: () => number): RequestHandler {
  return async (req, res, next) => {
    res.locals.apiKey = await authenticateApiKey(req, res, store, clock)
    next()
  }
}

/** The key that authenticated the request; only for handlers behind {@link requireApiKey}. */
export function apiKeyOf(locals: Express.Locals): ApiKey {
  const key = locals.apiKey
  if (!key) throw new Error('requireApiKey must run before this handler')
  return key
}

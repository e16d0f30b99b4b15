import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RequestHandler } from 'express'
import type { ApiKey } from '../../db/api-keys.js'
import type { Store } from '../../db/store.js'
import { ApiError } from './errors.js'
import type { ApiRateLimit, InvalidKeyLimit } from './rate-limit.js'

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
async function authenticateApiKey(
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
  const key = secret === undefined ? undefined : await store.apiKeys.authenticate(secret, clock())
  if (!key) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="karmagate", error="invalid_token"')
    throw new ApiError(401, 'invalid_api_key', 'The API key is malformed, unknown or revoked.')
  }
  return key
}

/** What every API request but the OpenAPI document must pass (see {@link apiGate}). */
export interface ApiGate {
  /**
   * The request's API key, once it is authenticated (401 otherwise) and counted against its
   * key's rate limit (429 past it): the refusals are thrown as `ApiError`s.
   */
  admit(req: IncomingMessage, res: ServerResponse): Promise<ApiKey>
  /** {@link admit} as middleware for the API's router, the key then in `res.locals.apiKey`. */
  readonly middleware: RequestHandler
}

/**
 * The API's one check of who calls and how often: an address that keeps sending bad keys is
 * refused first (`badKeys`), then the key, then its limit (none when `rateLimit` is undefined). The fast lane's route and the router's routes both go through it.
 */
export function apiGate(
  store: Store,
  clock: () => number,
  rateLimit: ApiRateLimit | undefined,
  badKeys?: InvalidKeyLimit,
): ApiGate {
  const admit = async (req: IncomingMessage, res: ServerResponse): Promise<ApiKey> => {
    badKeys?.check(req, res)
    let key: ApiKey
    try {
      key = await authenticateApiKey(req, res, store, clock)
    } catch (err) {
      if (err instanceof ApiError) badKeys?.failed(req)
      throw err
    }
    await rateLimit?.check(req, res, key)
    return key
  }
  return {
    admit,
    middleware: (req, res, next) => {
      admit(req, res).then((key) => {
        res.locals.apiKey = key
        next()
      }, next)
    },
  }
}

/** The key that authenticated the request; only for handlers behind {@link ApiGate.middleware}. */
export function apiKeyOf(locals: Express.Locals): ApiKey {
  const key = locals.apiKey
  if (!key) throw new Error('the API gate must run before this handler')
  return key
}

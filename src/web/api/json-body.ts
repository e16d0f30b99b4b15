import type { IncomingMessage } from 'node:http'
import type { RequestHandler } from 'express'
import { hasBody, isJsonType, readJsonBody } from '../../http/json-body.js'
import { ApiError } from './errors.js'

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH'])

/**
 * The body of an API request: a POST, PUT or PATCH must say `Content-Type: application/json`
 * (else 415) and stay within `maxBytes` (else 413); only objects and arrays count as JSON
 * bodies (body-parser's strict mode). `undefined` when there is no body.
 */
export function readApiBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  // A request that carries a body must be JSON; without this a form post reads as "fields missing".
  if (WITH_BODY.has(req.method ?? '')) {
    const type = req.headers['content-type']
    if (type === undefined || (hasBody(req) && !isJsonType(type))) {
      return Promise.reject(
        new ApiError(415, 'unsupported_media_type', 'Send the body as JSON, with "Content-Type: application/json".'),
      )
    }
  }
  return readJsonBody(req, { limit: maxBytes, strict: true })
}

/** {@link readApiBody} as middleware for the API's router, the body then in `req.body`. */
export function jsonBody(maxBytes: number): RequestHandler {
  return (req, _res, next) => {
    readApiBody(req, maxBytes).then((body) => {
      req.body = body
      next()
    }, next)
  }
}

import express, { type RequestHandler } from 'express'
import { isPlainJson, readPlainJson } from '../plain-json.js'
import { ApiError } from './errors.js'

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH'])

/**
 * Middleware: a POST, PUT or PATCH must say `Content-Type: application/json` (else 415) and stay
 * within `maxBytes` (else 413); its body is then parsed into `req.body`. Only objects and arrays
 * count as JSON bodies (body-parser's strict mode).
 */
export function jsonBody(maxBytes: number): RequestHandler {
  const parse: RequestHandler = express.json({ limit: maxBytes, strict: true, type: 'application/json' })
  // One middleware, not a router of two: each layer costs every API request a dispatch.
  return (req, res, next) => {
    // A request that carries a body must be JSON; without this a form post reads as "fields missing".
    if (WITH_BODY.has(req.method) && (req.get('content-type') === undefined || req.is('application/json') === false)) {
      next(new ApiError(415, 'unsupported_media_type', 'Send the body as JSON, with "Content-Type: application/json".'))
      return
    }
    // API clients post plain UTF-8 JSON with a length: read it directly, body-parser's
    // generality costs more than the read. Anything else goes through express.json().
    if (WITH_BODY.has(req.method) && isPlainJson(req, maxBytes)) {
      readPlainJson(req, { strict: true }).then((body) => {
        if (body === undefined) return
        req.body = body
        next()
      }, next)
      return
    }
    parse(req, res, next)
  }
}

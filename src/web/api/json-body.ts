import express, { type RequestHandler } from 'express'
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
    parse(req, res, next)
  }
}

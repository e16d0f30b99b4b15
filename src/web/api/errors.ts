import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ErrorRequestHandler, RequestHandler } from 'express'
import type { Logger } from 'pino'
import { sendJson } from '../../http/respond.js'
import { StoreBusyError } from '../../db/errors.js'
import { BUSY_RETRY_AFTER_SECONDS } from '../errors.js'

/** The stable, machine-readable codes of the API's errors. */
export type ApiErrorCode =
  | 'invalid'
  | 'invalid_json'
  | 'missing_api_key'
  | 'invalid_api_key'
  | 'not_found'
  | 'member_not_found'
  | 'unknown_group'
  | 'idempotency_conflict'
  | 'batch_too_large'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'busy'
  | 'internal'

/** Where in the request an error points, when it points somewhere. */
export interface ApiErrorDetails {
  /** The field at fault, as a path: `delta`, `events[3].member.telegramId`, `groups[0]`. */
  readonly field?: string | undefined
  /** In a batch, the position of the refused event. */
  readonly index?: number | undefined
}

/** An error answered as `{"error": {"code", "message", "field"?, "index"?}}` with its status. */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  /** HTTP status, 4xx or 5xx. */
  readonly status: number
  /** Stable and machine-readable; the message is for people and may change. */
  readonly code: ApiErrorCode
  /** See {@link ApiErrorDetails.field}. */
  readonly field: string | undefined
  /** See {@link ApiErrorDetails.index}. */
  readonly index: number | undefined

  constructor(status: number, code: ApiErrorCode, message: string, details: ApiErrorDetails = {}) {
    super(message)
    this.status = status
    this.code = code
    this.field = details.field
    this.index = details.index
  }

  /** The response body. */
  toJSON(): { error: { code: ApiErrorCode; message: string; field?: string; index?: number } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field === undefined ? {} : { field: this.field }),
        ...(this.index === undefined ? {} : { index: this.index }),
      },
    }
  }
}

/** What the body reader's errors carry (`BodyError`, shaped as body-parser's). */
interface ParserError {
  status?: unknown
  type?: unknown
}

/** The body reader's refusals, as the API's own errors; undefined for anything else. */
function fromParser(error: unknown): ApiError | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { status, type } = error as ParserError
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined
  switch (type) {
    case 'entity.too.large':
      return new ApiError(413, 'payload_too_large', 'The request body is too large. Send fewer events per batch.')
    case 'entity.parse.failed':
      return new ApiError(400, 'invalid_json', 'The request body is not valid JSON (an object or an array).')
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new ApiError(415, 'unsupported_media_type', 'Send the body as UTF-8 JSON, without a content encoding.')
    default:
      return new ApiError(status, 'invalid', 'The request could not be read.')
  }
}

/** The API's answer to a path it does not have. */
export const apiNotFound: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, 'not_found', `There is no ${req.method} ${req.baseUrl}${req.path} in this API.`))
}

/**
 * Answers any error as the API does: JSON whatever the client accepts. A client's error keeps
 * its status; anything else is logged (with `path`, the request's path without its query) and
 * answered with a 500 that reveals nothing. On Node's own response, so routes served ahead of
 * Express answer errors the same way.
 */
export function answerApiError(
  req: IncomingMessage,
  res: ServerResponse,
  error: unknown,
  logger: Logger,
  path: string,
): void {
  let apiError = error instanceof ApiError ? error : fromParser(error)
  if (!apiError && error instanceof StoreBusyError) {
    logger.warn({ method: req.method, path, waitedMs: error.waitedMs }, 'database locked; answered 503')
    res.setHeader('Retry-After', String(BUSY_RETRY_AFTER_SECONDS))
    apiError = new ApiError(
      503,
      'busy',
      'The database is busy for a moment; nothing was written. Retry after a few seconds.',
    )
  }
  if (!apiError) {
    logger.error({ err: error, method: req.method, path }, 'API request failed')
    apiError = new ApiError(
      500,
      'internal',
      'The server could not answer this request. It has been logged; retry later.',
    )
  }
  res.setHeader('Cache-Control', 'no-store')
  sendJson(res, apiError.status, apiError)
}

/** The API's last handler: every error becomes JSON (see {@link answerApiError}). */
export function apiErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error)
      return
    }
    answerApiError(req, res, error, logger, req.originalUrl.split('?')[0] ?? req.originalUrl)
  }
}

import type { ServerResponse } from 'node:http'

/**
 * Answers `body` with `status` as JSON, as `res.json` does but without its ETag: a hash of every
 * response body, which no client of a `POST` (or of a `Cache-Control: no-store` answer) uses.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  // Encoded once: measuring the text's UTF-8 length and then writing the text would encode twice.
  send(res, status, 'application/json; charset=utf-8', Buffer.from(JSON.stringify(body)))
}

/** Answers `body` with `status` and `contentType`, and its length. */
export function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  res.statusCode = status
  res.setHeader('Content-Type', contentType)
  res.setHeader('Content-Length', typeof body === 'string' ? Buffer.byteLength(body) : body.length)
  res.end(body)
}

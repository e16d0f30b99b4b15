import type { IncomingMessage } from 'node:http'

/**
 * A body that is not JSON, shaped as body-parser's own error (status 400, type
 * `entity.parse.failed`) so every error handler answers it as it answers `express.json()`'s.
 */
export class JsonBodyError extends Error {
  override readonly name = 'JsonBodyError'
  readonly status = 400
  readonly expose = true
  readonly type = 'entity.parse.failed'
}

/**
 * True when the body can be read without body-parser: JSON in UTF-8, not compressed, with a
 * declared length within `maxBytes`. That is how Telegram and API clients post. Anything else
 * is left to `express.json()`, which answers it as it always has (inflating, other charsets,
 * chunked bodies, 413, 415).
 */
export function isPlainJson(req: IncomingMessage, maxBytes: number): boolean {
  const { headers } = req
  const encoding = headers['content-encoding']
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false
  const length = headers['content-length']
  if (length === undefined || !/^\d{1,9}$/.test(length) || Number(length) > maxBytes) return false
  const type = headers['content-type']?.toLowerCase().replaceAll(' ', '')
  return type === 'application/json' || type === 'application/json;charset=utf-8'
}

/** Options of {@link readPlainJson}. */
export interface ReadPlainJsonOptions {
  /** Only an object or an array is a body, as body-parser's `strict` mode says. @default false */
  readonly strict?: boolean
}

/**
 * The body of a request {@link isPlainJson} admitted, parsed as body-parser would (a byte order
 * mark ignored, an empty body `{}`); `undefined` when the client went away before the end.
 * Node's HTTP parser has already bounded the body by its Content-Length.
 */
export function readPlainJson(req: IncomingMessage, options: ReadPlainJsonOptions = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.once('end', () => {
      const [only] = chunks
      const raw = (chunks.length === 1 && only !== undefined ? only : Buffer.concat(chunks)).toString('utf8')
      const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw
      if (text === '') {
        resolve({})
        return
      }
      if (options.strict === true) {
        const first = /\S/.exec(text)?.[0]
        if (first !== '{' && first !== '[') {
          reject(new JsonBodyError('The body must be a JSON object or array.'))
          return
        }
      }
      try {
        resolve(JSON.parse(text))
      } catch (error) {
        reject(new JsonBodyError(error instanceof Error ? error.message : 'The body is not valid JSON.'))
      }
    })
    // Whichever comes first settles it: after 'end' these change nothing.
    req.once('aborted', () => {
      resolve(undefined)
    })
    req.once('error', () => {
      resolve(undefined)
    })
    req.once('close', () => {
      resolve(undefined)
    })
  })
}

import type { IncomingMessage } from 'node:http'
import type { Readable, Transform } from 'node:stream'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'
import { isUtf8 } from 'node:buffer'

/** What went wrong reading a body, named as body-parser names it. */
export type BodyErrorType =
  'entity.parse.failed' | 'entity.too.large' | 'charset.unsupported' | 'encoding.unsupported' | 'request.aborted'

/**
 * A body that cannot be read, shaped as body-parser's errors (`status`, `type`, `expose`), so
 * every error handler answers it as it answered `express.json()`'s: 400 for broken JSON or a
 * broken stream, 413 past the limit, 415 for a charset or content encoding it cannot decode.
 */
export class BodyError extends Error {
  override readonly name = 'BodyError'
  /** A client's error: its message may be shown. */
  readonly expose = true
  /** HTTP status: 400, 413 or 415. */
  readonly status: number
  /** body-parser's name for it; none for a stream that failed (a corrupt gzip body). */
  readonly type: BodyErrorType | undefined

  constructor(status: number, type: BodyErrorType | undefined, message: string) {
    super(message)
    this.status = status
    this.type = type
  }
}

/** Options of {@link readJsonBody}. */
export interface JsonBodyOptions {
  /** The most bytes the body may have, after decompression. */
  readonly limit: number
  /** Only an object or an array is a body, as body-parser's `strict` mode says. @default false */
  readonly strict?: boolean
}

/** True when the request says it has a body, as type-is decides it: a length or a transfer encoding. */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length']
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && !Number.isNaN(Number(length)))
}

/** True when a `Content-Type` header names JSON (`application/json`, whatever its parameters). */
export function isJsonType(contentType: string): boolean {
  return contentType === 'application/json' || mediaTypeOf(contentType) === 'application/json'
}

/**
 * Reads and parses a JSON body as `express.json()` does: inflated when gzip, deflate or brotli
 * compressed; decoded from its UTF charset (a byte order mark ignored); framed by a length or
 * chunked; an empty body read as `{}`. Resolves `undefined`, having read nothing, when the
 * request has no body or says it is not JSON. Refusals are {@link BodyError}s; one made after
 * reading has begun (too large, say) waits until the client has sent the rest, as body-parser's
 * do, so the client is not cut off mid-upload and reads the answer.
 */
export function readJsonBody(req: IncomingMessage, options: JsonBodyOptions): Promise<unknown> {
  const type = req.headers['content-type']
  if (!hasBody(req) || type === undefined || !isJsonType(type)) return Promise.resolve(undefined)
  const charset = charsetOf(type) ?? 'utf-8'
  if (!charset.startsWith('utf-')) {
    return Promise.reject(new BodyError(415, 'charset.unsupported', `unsupported charset "${charset.toUpperCase()}"`))
  }
  // Checked in body-parser's order: the content encoding, the declared length, the charset.
  const encoding = req.headers['content-encoding']?.toLowerCase()
  let inflate: (() => Transform) | undefined
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    inflate = INFLATE[encoding]
    if (inflate === undefined) {
      return Promise.reject(new BodyError(415, 'encoding.unsupported', `unsupported content encoding "${encoding}"`))
    }
  } else if (Number(req.headers['content-length']) > options.limit) {
    return refuseAfterBody(req, tooLarge())
  }
  let decoder: TextDecoder | undefined
  if (charset !== 'utf-8') {
    try {
      decoder = new TextDecoder(charset, { fatal: true })
    } catch {
      return refuseAfterBody(
        req,
        new BodyError(415, 'charset.unsupported', `unsupported charset "${charset.toUpperCase()}"`),
      )
    }
  }
  const strict = options.strict === true
  return collect(req, inflate?.(), options.limit, (buffer) => parse(decode(buffer, decoder), strict))
}

const INFLATE: Readonly<Record<string, () => Transform>> = {
  gzip: createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
}

function tooLarge(): BodyError {
  return new BodyError(413, 'entity.too.large', 'request entity too large')
}

/** `finish` of the body's bytes, at most `limit` of them, read from `req` or through `inflater`. */
function collect(
  req: IncomingMessage,
  inflater: Transform | undefined,
  limit: number,
  finish: (body: Buffer) => unknown,
): Promise<unknown> {
  const stream: Readable = inflater ? req.pipe(inflater) : req
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let received = 0
    let settled = false
    const fail = (error: BodyError): void => {
      if (settled) return
      settled = true
      stream.removeListener('data', onData)
      if (inflater) {
        req.unpipe(inflater)
        inflater.destroy()
      }
      afterBody(req, () => {
        reject(error)
      })
    }
    const onData = (chunk: Buffer): void => {
      received += chunk.length
      if (received > limit) fail(tooLarge())
      else chunks.push(chunk)
    }
    stream.on('data', onData)
    stream.once('end', () => {
      if (settled) return
      settled = true
      if (inflater) {
        // Whatever follows the compressed data is read off, so the request can finish.
        req.unpipe(inflater)
        inflater.destroy()
        req.resume()
      }
      const [only] = chunks
      try {
        resolve(finish(chunks.length === 1 && only !== undefined ? only : Buffer.concat(chunks, received)))
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)))
      }
    })
    // `on`, not `once`: a decompressor may fail more than once, and settles nothing after the first.
    inflater?.on('error', (error: Error) => {
      fail(new BodyError(400, undefined, error.message))
    })
    // Node has framed the body by its length or its chunks; a request that fails or closes before
    // all of it came was cut off by the client.
    const aborted = (): void => {
      if (!req.complete) fail(new BodyError(400, 'request.aborted', 'request aborted'))
    }
    req.on('error', aborted)
    req.once('close', aborted)
  })
}

/** Rejects with `error` once the rest of the body has been read off (or the client has gone). */
function refuseAfterBody(req: IncomingMessage, error: BodyError): Promise<never> {
  return new Promise((_resolve, reject) => {
    afterBody(req, () => {
      reject(error)
    })
  })
}

function afterBody(req: IncomingMessage, done: () => void): void {
  if (req.complete || req.destroyed) {
    done()
    return
  }
  let called = false
  const once = (): void => {
    if (called) return
    called = true
    done()
  }
  req.once('end', once)
  req.once('close', once)
  req.resume()
}

function decode(buffer: Buffer, decoder: TextDecoder | undefined): string {
  // TextDecoder drops a byte order mark itself; Buffer keeps it. Broken text is refused, never
  // read with replacement characters in it.
  if (decoder !== undefined) {
    try {
      return decoder.decode(buffer)
    } catch {
      throw new BodyError(400, 'entity.parse.failed', 'the body is not valid text in its charset')
    }
  }
  if (!isUtf8(buffer)) throw new BodyError(400, 'entity.parse.failed', 'the body is not valid UTF-8')
  const text = buffer.toString('utf8')
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

function parse(text: string, strict: boolean): unknown {
  // An empty body is a common client mistake, which body-parser reads as an empty object.
  if (text === '') return {}
  if (strict) {
    const first = firstNonBlank(text)
    if (first !== '{' && first !== '[') {
      throw new BodyError(
        400,
        'entity.parse.failed',
        `Unexpected token '${first ?? ''}': the body must be a JSON object or array`,
      )
    }
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new BodyError(400, 'entity.parse.failed', error instanceof Error ? error.message : 'invalid JSON')
  }
}

/** The first character that is not JSON's whitespace (RFC 8259: not JavaScript's `\s`). */
function firstNonBlank(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code !== SP && code !== HTAB && code !== LF && code !== CR) return text.charAt(i)
  }
  return undefined
}

const SP = 0x20
const HTAB = 0x09
const LF = 0x0a
const CR = 0x0d
const SEMI = 0x3b
const EQ = 0x3d
const DQUOTE = 0x22
const BSLASH = 0x5c

/** The media type of a `Content-Type` header, lower case, without parameters (as `content-type` parses it). */
function mediaTypeOf(header: string): string {
  const semi = header.indexOf(';')
  return (semi === -1 ? header : header.slice(0, semi)).replace(/^[ \t]+|[ \t]+$/g, '').toLowerCase()
}

/**
 * The `charset` parameter of a `Content-Type` header, lower case; the first when repeated, a
 * quoted value unquoted, as the `content-type` package reads parameters.
 */
function charsetOf(header: string): string | undefined {
  if (header === 'application/json') return undefined
  const len = header.length
  let index = header.indexOf(';')
  if (index === -1) return undefined
  parameter: while (index < len) {
    index = skipOws(header, index + 1, len)
    const keyStart = index
    while (index < len) {
      const code = header.charCodeAt(index)
      if (code === SEMI) continue parameter
      if (code === EQ) {
        const key = header.slice(keyStart, trimOwsEnd(header, keyStart, index)).toLowerCase()
        index = skipOws(header, index + 1, len)
        let value: string | undefined
        if (index < len && header.charCodeAt(index) === DQUOTE) {
          index++
          let quoted = ''
          while (index < len) {
            const char = header.charCodeAt(index++)
            if (char === DQUOTE) {
              value = quoted
              break
            }
            quoted += char === BSLASH && index < len ? header.charAt(index++) : String.fromCharCode(char)
          }
          // An unterminated quoted value is no value.
          while (index < len && header.charCodeAt(index) !== SEMI) index++
        } else {
          const valueStart = index
          while (index < len && header.charCodeAt(index) !== SEMI) index++
          value = header.slice(valueStart, trimOwsEnd(header, valueStart, index))
        }
        // An empty charset is none: the default applies.
        if (key === 'charset' && value !== undefined) return value === '' ? undefined : value.toLowerCase()
        continue parameter
      }
      index++
    }
  }
  return undefined
}

function skipOws(text: string, index: number, len: number): number {
  while (index < len) {
    const code = text.charCodeAt(index)
    if (code !== SP && code !== HTAB) break
    index++
  }
  return index
}

function trimOwsEnd(text: string, start: number, end: number): number {
  while (end > start) {
    const code = text.charCodeAt(end - 1)
    if (code !== SP && code !== HTAB) break
    end--
  }
  return end
}

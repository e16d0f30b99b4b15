import { once } from 'node:events'
import { createServer, request, type IncomingMessage, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import express, { type ErrorRequestHandler } from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BodyError, readJsonBody } from '../../src/http/json-body.js'

/**
 * The site's one JSON body reader against `express.json()`, which it replaced: the same requests
 * to both, the same outcome expected (the body read, or the same status and body-parser type).
 */

const LIMIT = 64

/** What a server made of a request: the body it read, or its refusal. */
type Outcome = { body: unknown } | { status: number; type: string | null }

function outcomeOf(error: unknown): Outcome {
  const { status, type } = error as { status?: unknown; type?: unknown }
  return { status: typeof status === 'number' ? status : 500, type: typeof type === 'string' ? type : null }
}

const ours =
  (strict: boolean): RequestListener =>
  (req, res) => {
    readJsonBody(req, { limit: LIMIT, strict }).then(
      (body) => {
        res.end(JSON.stringify({ body: body ?? null }))
      },
      (error: unknown) => {
        expect(error).toBeInstanceOf(BodyError)
        res.end(JSON.stringify(outcomeOf(error)))
      },
    )
  }

const theirs = (strict: boolean): RequestListener => {
  const app = express()
  app.use(express.json({ limit: LIMIT, strict }), (req, res) => {
    res.end(JSON.stringify({ body: (req.body as unknown) ?? null }))
  })
  const onError: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    res.end(JSON.stringify(outcomeOf(error)))
  }
  app.use(onError)
  return app
}

const servers: Server[] = []
const urls: Record<'ours' | 'theirs' | 'oursLoose' | 'theirsLoose', string> = {
  ours: '',
  theirs: '',
  oursLoose: '',
  theirsLoose: '',
}

async function listen(listener: RequestListener): Promise<string> {
  const server = createServer(listener)
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`
}

beforeAll(async () => {
  urls.ours = await listen(ours(true))
  urls.theirs = await listen(theirs(true))
  urls.oursLoose = await listen(ours(false))
  urls.theirsLoose = await listen(theirs(false))
})

afterAll(async () => {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections()
          server.close(() => {
            resolve()
          })
        }),
    ),
  )
})

interface Sent {
  readonly method?: string
  readonly headers: Record<string, string>
  /** Sent in these pieces; without a content-length header they go chunked. */
  readonly body?: Buffer | string | readonly (Buffer | string)[]
}

/** Sends `sent` to `url` exactly as given (no header added but Host) and reads the outcome. */
function send(url: string, sent: Sent): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: sent.method ?? 'POST', headers: sent.headers }, (res: IncomingMessage) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Outcome)
      })
    })
    req.on('error', reject)
    const pieces = sent.body === undefined ? [] : Array.isArray(sent.body) ? sent.body : [sent.body]
    for (const piece of pieces as (Buffer | string)[]) req.write(piece)
    req.end()
  })
}

const json = (text: string, headers: Record<string, string> = {}): Sent => ({
  headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers },
  body: text,
})
const bytes = (body: Buffer, headers: Record<string, string>): Sent => ({
  headers: { 'content-length': String(body.length), ...headers },
  body,
})
const chunked = (pieces: string[], headers: Record<string, string> = {}): Sent => ({
  headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...headers },
  body: pieces,
})
const utf16le = (text: string) => Buffer.from(`\uFEFF${text}`, 'utf16le')
const CORRUPT_GZIP = Buffer.concat([gzipSync('{"a":1}').subarray(0, 12), Buffer.from('not gzip at all')])

const cases: [string, Sent][] = [
  ['an object with a length', json('{"a":1,"b":[true,null]}')],
  ['an array', json('[1,2,3]')],
  ['a byte order mark and spaces', json('\uFEFF  \n {"a":1}')],
  [
    'the charset utf-8, quoted and in capitals',
    json('{"a":1}', { 'content-type': 'Application/JSON; Charset="UTF-8"' }),
  ],
  ['an empty charset', json('{"a":1}', { 'content-type': 'application/json; charset=' })],
  ['an empty body', json('')],
  ['a chunked body', chunked(['{"a":', '1}'])],
  ['gzip', bytes(gzipSync('{"z":"gzip"}'), { 'content-type': 'application/json', 'content-encoding': 'gzip' })],
  [
    'deflate',
    bytes(deflateSync('{"z":"deflate"}'), { 'content-type': 'application/json', 'content-encoding': 'DEFLATE' }),
  ],
  ['brotli', bytes(brotliCompressSync('{"z":"br"}'), { 'content-type': 'application/json', 'content-encoding': 'br' })],
  ['identity', json('{"a":1}', { 'content-encoding': 'identity' })],
  ['UTF-16', bytes(utf16le('{"wide":"é"}'), { 'content-type': 'application/json; charset=utf-16le' })],
  ['another type', json('{"a":1}', { 'content-type': 'text/plain' })],
  ['a JSON-like type', json('{"a":1}', { 'content-type': 'application/json-patch+json' })],
  ['no type', { headers: { 'content-length': '7' }, body: '{"a":1}' }],
  ['no body', { method: 'GET', headers: { 'content-type': 'application/json' } }],
  ['broken JSON', json('{"a": ')],
  ['a bare value', json(' 42')],
  ['a string', json('"text"')],
  ['another charset', json('{"a":1}', { 'content-type': 'application/json; charset=latin1' })],
  ['an unknown UTF charset', json('{"a":1}', { 'content-type': 'application/json; charset=utf-9' })],
  [
    'an unknown encoding',
    bytes(Buffer.from('{"a":1}'), { 'content-type': 'application/json', 'content-encoding': 'compress' }),
  ],
  ['a length past the limit', json(`{"a":"${'x'.repeat(LIMIT)}"}`)],
  ['chunks past the limit', chunked(['{"a":"', 'x'.repeat(LIMIT), '"}'])],
  [
    'a compressed body past the limit once inflated',
    bytes(gzipSync(`{"a":"${'x'.repeat(LIMIT * 4)}"}`), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    }),
  ],
  ['a corrupt gzip body', bytes(CORRUPT_GZIP, { 'content-type': 'application/json', 'content-encoding': 'gzip' })],
]

describe('readJsonBody reads what express.json() reads, and refuses what it refuses', () => {
  it.each(cases)('strict: %s', async (_name, sent) => {
    const [mine, reference] = await Promise.all([send(urls.ours, sent), send(urls.theirs, sent)])
    expect(mine).toEqual(reference)
  })

  it.each(cases)('not strict: %s', async (_name, sent) => {
    const [mine, reference] = await Promise.all([send(urls.oursLoose, sent), send(urls.theirsLoose, sent)])
    expect(mine).toEqual(reference)
  })

  it('reads a body as it should, whatever its framing', async () => {
    expect(await send(urls.ours, chunked(['{"a":', '1}']))).toEqual({ body: { a: 1 } })
    expect(
      await send(
        urls.ours,
        bytes(gzipSync('{"z":"gzip"}'), { 'content-type': 'application/json', 'content-encoding': 'gzip' }),
      ),
    ).toEqual({ body: { z: 'gzip' } })
    expect(await send(urls.ours, json(`{"a":"${'x'.repeat(LIMIT)}"}`))).toEqual({
      status: 413,
      type: 'entity.too.large',
    })
  })

  it('refuses a body the client cut off', async () => {
    const outcome = new Promise<unknown>((resolve) => {
      const server = createServer((req) => {
        readJsonBody(req, { limit: LIMIT }).then(resolve, resolve)
      })
      servers.push(server)
      server.listen(0, '127.0.0.1', () => {
        const req = request(`http://127.0.0.1:${String((server.address() as AddressInfo).port)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': '20' },
        })
        req.on('error', () => undefined)
        req.write('{"a":')
        setTimeout(() => req.destroy(), 50)
      })
    })
    expect(outcomeOf(await outcome)).toEqual({ status: 400, type: 'request.aborted' })
  })
})

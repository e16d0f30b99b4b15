import { once } from 'node:events'
import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { send, sendJson } from '../../../src/http/respond.js'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
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

/** Answers one GET with `listener` and gives what the client received. */
async function answer(listener: RequestListener) {
  const server = createServer(listener)
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const res = await fetch(`http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`)
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) }
}

describe('sendJson', () => {
  it('answers the body as JSON with its status and its length in UTF-8 bytes, and no ETag', async () => {
    const body = { name: 'Zoë', note: '李', list: [1, null] }
    const res = await answer((_req, res) => {
      sendJson(res, 201, body)
    })
    expect(res.status).toBe(201)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(JSON.stringify(body)))
    expect(res.bytes.length).toBe(Buffer.byteLength(JSON.stringify(body)))
    expect(JSON.parse(res.bytes.toString('utf8'))).toEqual(body)
    expect(res.headers.has('etag')).toBe(false)
    expect(res.headers.has('transfer-encoding')).toBe(false)
  })
})

describe('send', () => {
  it('answers text with its type and its length in bytes, not characters', async () => {
    const res = await answer((_req, res) => {
      send(res, 404, 'text/plain; charset=utf-8', 'не найдено')
    })
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength('не найдено'))
    expect(res.bytes.toString('utf8')).toBe('не найдено')
  })

  it('answers a Buffer as it is', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff])
    const res = await answer((_req, res) => {
      send(res, 200, 'image/png', png)
    })
    expect(res.headers.get('content-type')).toBe('image/png')
    expect(res.headers.get('content-length')).toBe('6')
    expect(res.bytes.equals(png)).toBe(true)
  })
})

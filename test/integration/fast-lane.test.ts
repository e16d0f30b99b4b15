import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { type FastRoute, withFastLane } from '../../src/web/fast-lane.js'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(async (server) => {
      server.closeAllConnections()
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve()
        }),
      )
    }),
  )
})

/** A site of Express answering `express <path>` behind a fast lane of `routes`. */
async function serve(routes: readonly FastRoute[]): Promise<{ url: string; errors: unknown[]; expressSaw: string[] }> {
  const app = express()
  const expressSaw: string[] = []
  app.use((req, res) => {
    expressSaw.push(`${req.method} ${req.url}`)
    res.send(`express ${req.path}`)
  })
  const errors: unknown[] = []
  const server = createServer(
    withFastLane(routes, app, { onError: (error: unknown, _req: IncomingMessage) => errors.push(error) }),
  )
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`, errors, expressSaw }
}

const answering: FastRoute = {
  method: 'GET',
  path: '/fast',
  handle: (req, res) => {
    res.end(`fast ${req.url ?? ''}`)
    return Promise.resolve(true)
  },
}

describe('withFastLane', () => {
  it('serves its routes by method and by path as Express routes them, query aside, and everything else through Express', async () => {
    const site = await serve([answering])
    expect(await (await fetch(`${site.url}/fast?a=1`)).text()).toBe('fast /fast?a=1')
    expect(await (await fetch(`${site.url}/fast`)).text()).toBe('fast /fast')
    // Express's routing ignores letter case and one trailing slash; so does the fast lane.
    expect(await (await fetch(`${site.url}/fast/`)).text()).toBe('fast /fast/')
    expect(await (await fetch(`${site.url}/Fast`)).text()).toBe('fast /Fast')
    expect(await (await fetch(`${site.url}/FAST/?b=2`)).text()).toBe('fast /FAST/?b=2')
    expect(await (await fetch(`${site.url}/fast//`)).text()).toBe('express /fast//')
    expect(await (await fetch(`${site.url}/fastest`)).text()).toBe('express /fastest')
    expect(await (await fetch(`${site.url}/fast`, { method: 'POST' })).text()).toBe('express /fast')
    // Unlike Express, a HEAD is not let into a GET route.
    expect((await fetch(`${site.url}/fast`, { method: 'HEAD' })).status).toBe(200)
    expect(await (await fetch(`${site.url}/other`)).text()).toBe('express /other')
    expect(site.expressSaw).toEqual(['GET /fast//', 'GET /fastest', 'POST /fast', 'HEAD /fast', 'GET /other'])
  })

  it('hands a declined request to Express untouched, body included', async () => {
    const declining: FastRoute = { method: 'POST', path: '/maybe', handle: () => Promise.resolve(false) }
    const app = express()
    app.post('/maybe', express.text(), (req, res) => {
      res.send(`express read ${String(req.body)}`)
    })
    const server = createServer(withFastLane([declining], app, { onError: () => undefined }))
    servers.push(server)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/maybe`
    const res = await fetch(url, { method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain' } })
    expect(await res.text()).toBe('express read hello')
  })

  it('answers a route that fails with a bare 500, tells onError, and never runs Express for it', async () => {
    const failing: FastRoute = {
      method: 'GET',
      path: '/broken',
      handle: () => Promise.reject(new Error('a bug')),
    }
    const throwing: FastRoute = {
      method: 'GET',
      path: '/throws',
      handle: () => {
        throw new Error('thrown before any promise')
      },
    }
    const site = await serve([failing, throwing])
    for (const path of ['/broken', '/throws']) {
      const res = await fetch(`${site.url}${path}`)
      expect(res.status).toBe(500)
      expect(await res.text()).toBe('Internal Server Error')
    }
    expect(site.errors.map((error) => (error as Error).message)).toEqual(['a bug', 'thrown before any promise'])
    expect(site.expressSaw).toEqual([])
  })

  it('cuts the connection of a route that fails after it started answering', async () => {
    const halfway: FastRoute = {
      method: 'GET',
      path: '/halfway',
      handle: async (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.write('partial')
        await new Promise((resolve) => setTimeout(resolve, 10))
        throw new Error('failed mid-answer')
      },
    }
    const site = await serve([halfway])
    await expect(fetch(`${site.url}/halfway`).then((res) => res.text())).rejects.toThrow()
    expect(site.errors).toHaveLength(1)
  })
})

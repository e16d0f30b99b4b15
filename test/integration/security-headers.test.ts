import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { describe, expect, it } from 'vitest'
import { securityHeaderList, securityHeaders, siteHelmet } from '../../src/web/security-headers.js'

/** The headers a GET to a one-route app with `middleware` answers, lower-cased, minus transport. */
async function headersOf(middleware: express.RequestHandler): Promise<Record<string, string>> {
  const app = express()
  app.disable('x-powered-by')
  app.use(middleware)
  app.get('/', (_req, res) => {
    res.send('ok')
  })
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  try {
    const res = await fetch(`http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`)
    await res.text()
    const skip = new Set(['date', 'connection', 'keep-alive', 'content-length', 'content-type', 'etag'])
    return Object.fromEntries([...res.headers].filter(([name]) => !skip.has(name)))
  } finally {
    server.close()
  }
}

describe('security headers', () => {
  it.each([false, true])('sets exactly what helmet with the same settings sets (https %s)', async (https) => {
    const ours = await headersOf(securityHeaders({ https }))
    // helmet itself with the same settings, run on every request.
    const theirs = await headersOf(siteHelmet({ https }))
    expect(ours).toEqual(theirs)
    expect(securityHeaderList({ https }).find(([name]) => name === 'content-security-policy')?.[1]).toContain(
      "frame-ancestors 'none'",
    )
    expect(Object.keys(ours).length).toBeGreaterThan(8)
    expect('strict-transport-security' in ours).toBe(https)
    expect(ours['content-security-policy']?.includes('upgrade-insecure-requests')).toBe(https)
  })
})

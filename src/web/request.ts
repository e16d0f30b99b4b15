import type { IncomingMessage } from 'node:http'
import proxyaddr from 'proxy-addr'

/** The request's path, without its query, as Node received it. */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/'
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}

/** The request's query as Node received it, without the `?`; empty when there is none. */
export function rawQueryOf(req: IncomingMessage): string {
  const url = req.url ?? ''
  const query = url.indexOf('?')
  return query === -1 ? '' : url.slice(query + 1)
}

/**
 * The client's address as Express's `req.ip` gives it with `trust proxy` set to
 * `trustedHops` (the `TRUST_PROXY` setting): the address that many proxies in front of us saw,
 * read from `X-Forwarded-For`. For routes served without Express.
 */
export function clientAddressOf(trustedHops: number): (req: IncomingMessage) => string {
  // What Express compiles a hop count into: trust the nearest `trustedHops` addresses.
  const trust = (_address: string, hop: number): boolean => hop < trustedHops
  return (req) => proxyaddr(req, trust)
}

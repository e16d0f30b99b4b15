import type { IncomingMessage } from 'node:http'
import proxyaddr from 'proxy-addr'

/**
 * The request's path as Node received it: up to the query or a fragment, as Express's URL
 * parser reads it (a client has no business sending `#`, but Node lets it through).
 */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/'
  const query = url.indexOf('?')
  const end = query === -1 ? url.length : query
  // Searched backwards from the query, so a query (a login's is long) is never scanned for it.
  return url.lastIndexOf('#', end - 1) === -1 ? url.slice(0, end) : url.slice(0, url.indexOf('#'))
}

/** The request's query as Node received it, without the `?`; empty when there is none. */
export function rawQueryOf(req: IncomingMessage): string {
  const url = req.url ?? ''
  const query = url.indexOf('?')
  return query === -1 ? '' : url.slice(query + 1)
}

/**
 * The site's one rule for which path a route answers, the rule Express routes by: letter case
 * does not count, and one trailing slash is ignored. Routes are registered under, and requests
 * looked up by, this form of their path.
 */
export function routePath(path: string): string {
  const last = path.length - 1
  const trimmed = last > 0 && path.charCodeAt(last) === 0x2f ? path.slice(0, last) : path
  return trimmed.toLowerCase()
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

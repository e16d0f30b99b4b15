import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import type { Express, RequestHandler } from 'express'
import { pathOf } from './request.js'

/**
 * A route served by Node's HTTP server directly, ahead of Express.
 *
 * Express costs every request about 60 µs of CPU on this project's 2-core machine before the
 * first line of a handler runs (it swaps the prototypes of `req` and `res`, which sends V8's
 * inline caches for Node's HTTP objects down their slow paths, then walks its router), while a
 * login or a karma event is a few dozen µs of real work. The routes that servers and Telegram
 * call at volume therefore answer from here; every other request, and any request a route
 * declines, goes to Express untouched.
 */
export interface FastRoute {
  /** `GET`, `POST`, ... compared exactly. */
  readonly method: string
  /** The exact path, without the query; compared case-sensitively, no trailing slash. */
  readonly path: string
  /**
   * Answers the request completely and resolves `true`, or resolves `false` having touched
   * neither the request nor the response, and Express answers it instead (say, a body only
   * Express's parsers read). A rejection is answered with a plain 500 here, as a last resort:
   * a route renders its own errors, so this only happens on a bug.
   */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>
}

/** Options of {@link withFastLane}. */
export interface FastLaneOptions {
  /** Told of a route that rejected (a bug: routes answer their own errors). */
  readonly onError: (error: unknown, req: IncomingMessage) => void
}

/**
 * The site's request listener: `routes` first, by method and exact path, then `app` for
 * everything else and for what a route declines.
 */
export function withFastLane(routes: readonly FastRoute[], app: Express, options: FastLaneOptions): RequestListener {
  const byRoute = new Map<string, FastRoute>()
  for (const route of routes) byRoute.set(`${route.method} ${route.path}`, route)
  return (req, res) => {
    const route = byRoute.get(`${req.method ?? ''} ${pathOf(req)}`)
    if (route === undefined) {
      app(req, res)
      return
    }
    let outcome: Promise<boolean>
    try {
      outcome = route.handle(req, res)
    } catch (error) {
      // Typed as returning a promise, but a plain function may still throw before it has one.
      lastResort(error, req, res, options)
      return
    }
    outcome.then(
      (answered) => {
        if (!answered) app(req, res)
      },
      (error: unknown) => {
        lastResort(error, req, res, options)
      },
    )
  }
}

function lastResort(error: unknown, req: IncomingMessage, res: ServerResponse, options: FastLaneOptions): void {
  options.onError(error, req)
  if (res.headersSent) {
    res.destroy()
    return
  }
  const body = 'Internal Server Error'
  res.statusCode = 500
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  res.setHeader('Content-Length', Buffer.byteLength(body))
  res.end(body)
}

/**
 * The same route as Express middleware, for the requests that reach Express with a path the
 * fast lane does not match exactly (`/Auth/Telegram/`: Express's routing ignores case and a
 * trailing slash). Only for the route's own method: Express would also let a `HEAD` into a
 * `GET` route, and a login must not be spent by a link checker's `HEAD`. A declined request
 * goes on to the next handler.
 */
export function asExpressHandler(route: FastRoute): RequestHandler {
  return async (req, res, next) => {
    if (req.method !== route.method || !(await route.handle(req, res))) next()
  }
}

/**
 * Runs one Express-style middleware on a plain request and resolves with what it passed to
 * `next` (`undefined` to go on, an error to refuse). For middleware that touches nothing of
 * Express's but `req` and `res` as Node made them (express-rate-limit with its own key).
 */
export function runMiddleware(middleware: RequestHandler, req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  return new Promise((resolve, reject) => {
    // Express's Request and Response only add to Node's objects; this middleware reads none of it.
    const result: unknown = middleware(
      req as Parameters<RequestHandler>[0],
      res as Parameters<RequestHandler>[1],
      resolve,
    )
    if (result instanceof Promise) result.catch(reject)
  })
}

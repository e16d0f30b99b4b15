import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import type { RequestHandler } from 'express'
import { pathOf, routePath } from '../http/request.js'
import { send } from '../http/respond.js'

/**
 * A route served by Node's HTTP server directly, ahead of Express: Express's own work on each
 * request (it swaps the prototypes of `req` and `res`, then walks its router) is as much as a
 * login's or a karma event's, so the routes that Telegram and servers call at volume answer
 * from here. Every other request, and any request a route declines, goes to Express untouched.
 */
export interface FastRoute {
  /**
   * `GET`, `POST`, ... compared exactly: unlike Express, a `HEAD` is never let into a `GET`
   * route (a link checker's `HEAD` must not spend a login).
   */
  readonly method: string
  /** The path, matched by the site's rule (`routePath`): any letter case, one trailing slash or none. */
  readonly path: string
  /**
   * Answers the request completely and resolves `true`, or resolves `false` having touched
   * neither the request nor the response, and Express answers it instead. A rejection is answered with a plain 500 here, as a last resort:
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
 * The site's request listener: `routes` first, by method and path (see {@link FastRoute}), then
 * `app` for everything else and for what a route declines. A route's path is matched here only,
 * by the rule Express routes by, so Express needs no copy of these routes for the paths it
 * would also have matched (`/Auth/Telegram/`).
 */
export function withFastLane(
  routes: readonly FastRoute[],
  app: RequestListener,
  options: FastLaneOptions,
): RequestListener {
  const byRoute = new Map<string, FastRoute>()
  for (const route of routes) byRoute.set(`${route.method} ${routePath(route.path)}`, route)
  return (req, res) => {
    const route = byRoute.get(`${req.method ?? ''} ${routePath(pathOf(req))}`)
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
  send(res, 500, 'text/plain; charset=utf-8', 'Internal Server Error')
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

import { Router } from 'express'
import type { Logger } from 'pino'
import type { Store } from '../../db/store.js'

/** `GET /healthz`: 200 when the database answers, 503 otherwise. */
export function healthRoutes(deps: { readonly store: Store; readonly logger: Logger }): Router {
  const router = Router()
  router.get('/healthz', async (_req, res) => {
    res.set('Cache-Control', 'no-store')
    try {
      await deps.store.ping()
      res.json({ status: 'ok', database: 'ok' })
    } catch (err) {
      deps.logger.error({ err }, 'health check: database did not answer')
      res.status(503).json({ status: 'unavailable', database: 'error' })
    }
  })
  return router
}

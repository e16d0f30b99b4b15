import { Router } from 'express'
import type { Logger } from 'pino'
import type { CanaryResult } from '../../db/canary.js'
import type { Store } from '../../db/store.js'
import { SECOND, secondsToMs } from '../../time.js'

/** What {@link healthRoutes} needs. */
export interface HealthRoutesDeps {
  readonly store: Store
  readonly logger: Logger
  /** `CANARY_INTERVAL_SECONDS`; 0 means the canary is off and does not affect the answer. @default 0 */
  readonly canaryIntervalSeconds?: number
  /** Current time in milliseconds. @default Date.now */
  readonly clock?: () => number
}

/** The canary's part of `/healthz?deep=1`. */
interface CanaryHealth {
  readonly ok: boolean
  /** ISO 8601. */
  readonly checkedAt: string
  readonly error: string | null
  readonly durationMs: number
  /** Older than 3× the interval: the worker has stopped checking. */
  readonly stale: boolean
}

/**
 * `GET /healthz`: 200 when the database answers a read, 503 otherwise (what a platform's
 * liveness check wants: cheap, at once, and about this process only; a lock held elsewhere does
 * not make it wait). `?deep=1` (readiness) says `database: "degraded"` and 503 while writes have
 * waited over a second for another connection's lock.
 *
 * `GET /healthz?deep=1` adds the login canary's last result (`canary`, null before its first run).
 * While the canary is on, it answers 503 when the last run failed, when there has been none, or
 * when it is older than 3× the interval: a worker that stopped checking is as bad as a failed
 * check. With the canary off, the last result is shown but does not count.
 */
export function healthRoutes(deps: HealthRoutesDeps): Router {
  const router = Router()
  const interval = deps.canaryIntervalSeconds ?? 0
  const clock = deps.clock ?? Date.now
  router.get('/healthz', async (req, res) => {
    res.set('Cache-Control', 'no-store')
    try {
      await deps.store.ping()
    } catch (err) {
      deps.logger.error({ err }, 'health check: database did not answer')
      res.status(503).json({ status: 'unavailable', database: 'error' })
      return
    }
    if (req.query.deep !== '1') {
      res.json({ status: 'ok', database: 'ok' })
      return
    }
    let last: CanaryResult | undefined
    try {
      last = await deps.store.canary.last()
    } catch (err) {
      deps.logger.error({ err }, 'health check: could not read the canary result')
      res.status(503).json({ status: 'unavailable', database: 'error' })
      return
    }
    // Writes waiting over a second for another connection's lock: the site reads, but refuses changes.
    const database = deps.store.writesBlockedFor() > SECOND ? 'degraded' : 'ok'
    const stale = last === undefined || clock() - last.checkedAt > 3 * secondsToMs(interval)
    const canary: CanaryHealth | null =
      last === undefined
        ? null
        : {
            ok: last.ok,
            checkedAt: new Date(last.checkedAt).toISOString(),
            error: last.error,
            durationMs: last.durationMs,
            stale: interval > 0 && stale,
          }
    const healthy = database === 'ok' && (interval === 0 || (last?.ok === true && !stale))
    res.status(healthy ? 200 : 503).json({ status: healthy ? 'ok' : 'unavailable', database, canary })
  })
  return router
}

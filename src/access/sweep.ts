import type { Logger } from 'pino'
import type { Store } from '../db/store.js'
import { secondsToMs } from '../time.js'

/**
 * Reconciles everything every `intervalSeconds`: the safety net for a change whose reconcile
 * was lost (a crash between two transactions) or a rule whose chat has just become active.
 * Returns a function that stops it.
 */
export function startReconcileSweep(
  store: Store,
  logger: Logger,
  intervalSeconds: number,
  onQueued?: () => void,
): () => void {
  const sweep = async () => {
    const report = await store.reconcile.run({ kind: 'all' }, Date.now())
    const queued = report.chatsToCreate + report.invitesQueued + report.removalsQueued
    if (queued + report.withdrawn > 0) {
      logger.info({ ...report }, 'reconcile sweep queued work')
      onQueued?.()
    }
  }
  const run = () => {
    sweep().catch((err: unknown) => {
      logger.error({ err }, 'reconcile sweep failed')
    })
  }
  run()
  const timer = setInterval(run, secondsToMs(intervalSeconds))
  timer.unref()
  return () => {
    clearInterval(timer)
  }
}

import type { Logger } from 'pino'

/** What {@link catchShutdownSignals} returns. */
export interface ShutdownSignals {
  /**
   * Hands over the started process: `stop` runs on SIGTERM/SIGINT, or at once if one arrived
   * while starting. The process exits 0 once it resolves, 1 if it rejects.
   */
  ready(stop: () => Promise<void>): void
}

/**
 * Catches SIGTERM and SIGINT from now on. Install it before starting anything: a signal that
 * arrives while a process starts (a PaaS restarting it) must stop it cleanly, and without a
 * handler Node would be killed at once.
 */
export function catchShutdownSignals(logger: Logger): ShutdownSignals {
  let requested: string | undefined
  let stop: (() => Promise<void>) | undefined
  const run = (signal: string, fn: () => Promise<void>) => {
    logger.info({ signal }, 'stopping')
    fn().then(
      () => {
        logger.info('stopped')
        process.exit(0)
      },
      (err: unknown) => {
        logger.error({ err }, 'stop failed')
        process.exit(1)
      },
    )
  }
  const onSignal = (signal: string) => {
    if (stop) run(signal, stop)
    else requested = signal
  }
  process.once('SIGTERM', onSignal)
  process.once('SIGINT', onSignal)
  return {
    ready(fn) {
      stop = fn
      if (requested !== undefined) run(requested, fn)
    },
  }
}

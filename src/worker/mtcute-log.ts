import { format } from 'node:util'
import type { Logger as MtcuteLogger } from '@mtcute/node/utils.js'
import type { Level, Logger } from 'pino'

/** mtcute's levels are numbers (`LogManager.OFF` 0 … `LogManager.VERBOSE` 5); index = mtcute level. */
const PINO_LEVEL_BY_MTCUTE: readonly (Level | undefined)[] = [undefined, 'error', 'warn', 'info', 'debug', 'trace']

/**
 * The mtcute level that lets through what a pino logger at `level` would keep, so mtcute does not
 * format lines only to have pino drop them. mtcute has no `fatal`: `fatal` and `silent` turn it
 * off. `trace` stops at mtcute's DEBUG: its VERBOSE dumps every request and answer whole (`>>> %j`),
 * login codes, QR login tokens and auth exchanges included, which no scrubbing of known secrets
 * can catch; a log line must never hold them.
 */
export function mtcuteLevelOf(level: string): number {
  switch (level) {
    case 'error':
      return 1
    case 'warn':
      return 2
    case 'info':
      return 3
    case 'debug':
    case 'trace':
      return 4
    default:
      return 0
  }
}

/**
 * Sends the log lines of an mtcute client (`client.log`, and every logger made from it: the
 * network, each DC connection, the session storage) to `logger`, a child `{ part: 'mtcute' }` with
 * mtcute's tag as `tag`, instead of mtcute's default `console.log`. Lines then get the process
 * logger's redaction and secret scrubbing like any other, and JSON like any other. mtcute's level
 * is set once from the logger's (`LOG_LEVEL`, see {@link mtcuteLevelOf}): a later change of the
 * logger's level is not followed.
 */
export function routeMtcuteLogs(log: MtcuteLogger, logger: Logger): void {
  const child = logger.child({ part: 'mtcute' })
  const mgr = log.mgr
  mgr.level = mtcuteLevelOf(logger.level)
  mgr.handler = (_color, level, tag, fmt, args) => {
    const pinoLevel = PINO_LEVEL_BY_MTCUTE[level]
    if (pinoLevel === undefined || !child.isLevelEnabled(pinoLevel)) return
    // mtcute has already replaced its own %h %j %e …; what is left is printf-style like console's.
    child[pinoLevel]({ tag }, format(fmt, ...args))
  }
}

import { type BotError, GrammyError, HttpError } from 'grammy'
import type { Logger } from 'pino'
import type { BotContext } from './context.js'

/**
 * The bot's one error boundary handler: logs what failed and for which update, and lets the
 * update count as handled, so a webhook still answers 200 and Telegram does not redeliver a
 * poisoned update forever. The token never appears: grammY's errors name the method only, and
 * the logger scrubs secret values as a last resort.
 */
export function logBotError(logger: Logger): (err: BotError<BotContext>) => void {
  return (err) => {
    const { error, ctx } = err
    const where = { updateId: ctx.update.update_id, chatId: ctx.chat?.id }
    if (error instanceof GrammyError) {
      logger.error(
        { ...where, method: error.method, errorCode: error.error_code, description: error.description },
        'bot API call failed',
      )
    } else if (error instanceof HttpError) {
      logger.error({ ...where, err: error.error }, 'bot API unreachable')
    } else {
      logger.error({ ...where, err: error }, 'bot handler failed')
    }
  }
}

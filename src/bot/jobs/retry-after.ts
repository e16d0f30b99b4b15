import { GrammyError } from 'grammy'
import { PermanentJobError } from '../../jobs/errors.js'
import { BotApiHeldError } from '../api-gate.js'

/** Telegram's `retry_after` (seconds) from a Bot API error, for the job runner. */
export function botRetryAfter(error: unknown): number | undefined {
  if (error instanceof GrammyError && error.error_code === 429) return error.parameters.retry_after ?? 5
  // Not sent: the whole bot is held. Not the job's fault, so not charged.
  if (error instanceof BotApiHeldError) return error.retryAfterSeconds
  return undefined
}

/** Whether an error is Telegram's answer to a call (so the call had no effect), not a lost one. */
export function telegramRefused(error: unknown): boolean {
  return error instanceof GrammyError || error instanceof BotApiHeldError
}

/**
 * A 400 from the Bot API means the call can never succeed as it is (a chat that is gone, rights
 * the bot lacks): retrying would only repeat it, so the job is dead and shown to admins.
 */
export function permanentIfBadRequest(error: unknown): never {
  if (error instanceof GrammyError && error.error_code === 400) {
    throw new PermanentJobError(`${error.method}: ${error.description}`)
  }
  throw error
}

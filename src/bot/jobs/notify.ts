import { GrammyError } from 'grammy'
import { notifyPayload } from '../../jobs/kinds.js'
import type { BotJobDeps } from './context.js'
import { permanentIfBadRequest, telegramRefused } from './retry-after.js'
import type { JobContext } from '../../jobs/runner.js'

/**
 * `member.notify`: a message to a member (why they were removed, …) as a job of its own, so a
 * 429 reschedules the message alone and never repeats the work that caused it. A member who
 * blocked the bot is recorded as such (403) and the job ends: there is nobody to tell.
 */
export async function notifyJob(deps: BotJobDeps, payload: unknown, context: JobContext): Promise<void> {
  const { telegramId, text } = notifyPayload(payload)
  try {
    await context.deliver(() => deps.api.sendMessage(telegramId, text), telegramRefused)
  } catch (err) {
    if (err instanceof GrammyError && err.error_code === 403) return
    permanentIfBadRequest(err)
  }
}

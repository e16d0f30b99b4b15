import { GrammyError } from 'grammy'
import { PermanentJobError } from '../../jobs/runner.js'
import type { BotJobDeps } from './context.js'
import { permanentIfBadRequest } from './retry-after.js'

/** Payload of a `member.notify` job. */
export interface NotifyPayload {
  readonly telegramId: number
  readonly text: string
}

/**
 * `member.notify`: a message to a member (why they were removed, …) as a job of its own, so a
 * 429 reschedules the message alone and never repeats the work that caused it. A member who
 * blocked the bot is recorded as such (403) and the job ends: there is nobody to tell.
 */
export async function notifyJob(deps: BotJobDeps, payload: unknown): Promise<void> {
  const p = payload as Partial<NotifyPayload> | null
  if (!p || !Number.isSafeInteger(p.telegramId) || typeof p.text !== 'string') {
    throw new PermanentJobError(`bad job payload: ${JSON.stringify(payload)}`)
  }
  try {
    await deps.api.sendMessage(p.telegramId as number, p.text)
  } catch (err) {
    if (err instanceof GrammyError && err.error_code === 403) return
    permanentIfBadRequest(err)
  }
}

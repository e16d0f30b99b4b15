import type { JobKindOf } from '../../jobs/kinds.js'
import type { JobHandler } from '../../jobs/runner.js'
import { chatLinkJob } from './chat-link.js'
import type { BotJobDeps } from './context.js'
import { inviteJob } from './invite.js'
import { notifyJob } from './notify.js'
import { removeJob } from './remove.js'

export type { BotJobDeps } from './context.js'
export { botRetryAfter } from './retry-after.js'

/** The jobs the bot runs (owner `bot`), by kind. */
export function botJobHandlers(deps: BotJobDeps): Record<JobKindOf<'bot'>, JobHandler> {
  return {
    'member.invite': (job, context) => inviteJob(deps, job.payload, context),
    'member.remove': (job) => removeJob(deps, job.payload),
    'chat.link': (job) => chatLinkJob(deps, job.payload),
    'member.notify': (job, context) => notifyJob(deps, job.payload, context),
  }
}

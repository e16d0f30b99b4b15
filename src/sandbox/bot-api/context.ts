import type { User, UserFromGetMe } from 'grammy/types'
import type { BotCommands } from '../bot-commands.js'
import type { CallbackQueries } from '../callbacks.js'
import type { ChatLogs } from '../chats.js'
import type { Supergroups } from '../groups.js'
import type { MessageRateLimiter } from '../rate-limiter.js'
import type { UpdateQueue } from '../update-queue.js'
import type { UserDirectory } from '../users.js'
import type { WebhookDelivery } from '../webhook.js'
import type { LongPolls } from './long-poll.js'
import type { Params } from './params.js'

/** The emulated Telegram as the Bot API methods see it. */
export interface BotApiContext {
  /** `getMe`'s answer. */
  readonly me: UserFromGetMe
  /** The bot as it appears in `from` of its messages. */
  readonly botUser: User
  readonly users: UserDirectory
  readonly chats: ChatLogs
  readonly groups: Supergroups
  readonly queue: UpdateQueue
  readonly webhook: WebhookDelivery
  readonly polls: LongPolls
  readonly limiter: MessageRateLimiter
  readonly callbacks: CallbackQueries
  readonly commands: BotCommands
  /** Milliseconds. */
  readonly clock: () => number
}

/** One Bot API method: its parameters in, its `result` out, or a thrown `BotApiError`. */
export type BotApiMethod = (params: Params, context: BotApiContext, signal: AbortSignal) => unknown

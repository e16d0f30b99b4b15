import type { Logger } from 'pino'
import type { Store } from '../../db/store.js'
import { PermanentJobError } from '../../jobs/errors.js'
import { chatPayload, jobs } from '../../jobs/kinds.js'
import type { TelegramAccount } from '../port.js'

/** What {@link chatCreateJob} needs. */
export interface ChatCreateDeps {
  readonly store: Store
  readonly account: TelegramAccount
  readonly botUsername: string
  readonly logger: Logger
  /** @default Date.now */
  readonly clock?: () => number
}

/**
 * `chat.create` (owner `worker`): creates the private supergroup a rule needs, makes the bot an
 * admin there, records the Bot API chat id (the chat becomes active), then queues the bot's
 * `chat.link` and reconciles the chat so eligible members are invited.
 *
 * A retry after the chat was recorded does not create a second one; it only finishes the steps
 * after it (promotion is idempotent). A crash between Telegram creating the chat and it being
 * recorded here is the one window left; the mtcute adapter closes it by looking the chat up
 * among the account's own chats before creating one.
 */
export async function chatCreateJob(deps: ChatCreateDeps, payload: unknown): Promise<void> {
  const { chatId } = chatPayload(payload)
  const chat = await deps.store.chats.findById(chatId)
  if (!chat) throw new PermanentJobError(`chat ${String(chatId)} does not exist`)
  const clock = deps.clock ?? Date.now
  let telegramChatId = chat.telegramChatId
  if (telegramChatId === null) {
    telegramChatId = (
      await deps.account.createSupergroup({ chatId: chat.id, title: chat.title, description: chat.description })
    ).telegramChatId
    await deps.store.chats.markActive(chat.id, telegramChatId, clock())
    deps.logger.info({ chatId: chat.id, telegramChatId }, 'chat created')
  }
  await deps.account.promoteBot({ telegramChatId, botUsername: deps.botUsername })
  if (chat.state !== 'active') await deps.store.chats.markActive(chat.id, telegramChatId, clock())
  await deps.store.jobs.enqueue(jobs.chatLink(chat.id), clock())
  await deps.store.reconcile.run({ kind: 'chat', chatId: chat.id }, clock())
}

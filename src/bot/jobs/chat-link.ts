import { PermanentJobError } from '../../jobs/errors.js'
import { chatPayload } from '../../jobs/kinds.js'
import type { Chat } from '../../db/chats.js'
import type { BotJobDeps } from './context.js'
import { permanentIfBadRequest } from './retry-after.js'

/**
 * The chat's one join-request link, made once: anyone may hold it, because the bot approves a
 * request only from a member whose rule holds. Returns the link.
 */
export async function ensureInviteLink(deps: BotJobDeps, chat: Chat): Promise<string> {
  if (chat.inviteLink) return chat.inviteLink
  if (chat.telegramChatId === null)
    throw new PermanentJobError(`chat ${String(chat.id)} has not been created in Telegram`)
  const link = await deps.api
    .createChatInviteLink(chat.telegramChatId, { name: 'karmagate', creates_join_request: true })
    .catch(permanentIfBadRequest)
  await deps.store.chats.setInviteLink(chat.id, link.invite_link, (deps.clock ?? Date.now)())
  return link.invite_link
}

/** `chat.link`: make the join-request link of a chat the worker has just created. */
export async function chatLinkJob(deps: BotJobDeps, payload: unknown): Promise<void> {
  const { chatId } = chatPayload(payload)
  const chat = await deps.store.chats.findById(chatId)
  if (!chat) throw new PermanentJobError(`chat ${String(chatId)} does not exist`)
  await ensureInviteLink(deps, chat)
}

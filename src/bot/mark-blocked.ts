import type { Transformer } from 'grammy'
import type { Logger } from 'pino'
import type { Store } from '../db/store.js'

/**
 * API transformer: when Telegram answers 403 to a call addressed to a user's private chat (the
 * member blocked the bot, or never started it), record that the bot may not write to them, so
 * invites fall back to the site until a later `/start` clears it.
 */
export function markBlockedMembers(store: Store, logger: Logger, clock: () => number = Date.now): Transformer {
  return async (prev, method, payload, signal) => {
    const response = await prev(method, payload, signal)
    if (!response.ok && response.error_code === 403) {
      const chatId = (payload as { chat_id?: unknown } | undefined)?.chat_id
      // Private chats have the user's own (positive) id; groups and channels are negative.
      if (typeof chatId === 'number' && chatId > 0) {
        await store.members.setCanDm(chatId, false, clock())
        logger.info({ telegramId: chatId, method }, 'member cannot receive messages from the bot')
      }
    }
    return response
  }
}

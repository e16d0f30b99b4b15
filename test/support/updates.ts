import type { Update } from 'grammy/types'

let nextUpdateId = 1000

/**
 * A private-chat text message from `user`, as Telegram posts it to a webhook or hands it out by
 * `getUpdates`; a leading `/word` is marked as a command. Ids count up unless `updateId` is given
 * (the same id twice is a redelivery).
 */
export function textUpdate(
  user: { readonly id: number; readonly first_name: string; readonly username?: string },
  text: string,
  updateId = nextUpdateId++,
): Update {
  const command = /^\/\w+/.exec(text)?.[0]
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: user.id, type: 'private', first_name: user.first_name },
      from: {
        id: user.id,
        is_bot: false,
        first_name: user.first_name,
        ...(user.username !== undefined ? { username: user.username } : {}),
      },
      text,
      ...(command !== undefined ? { entities: [{ type: 'bot_command', offset: 0, length: command.length }] } : {}),
    },
  }
}

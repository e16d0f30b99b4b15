/**
 * The marker at the end of a supergroup's description that ties it to our `chats` row, so a
 * retried `chat.create` can find a chat Telegram made before we could record it.
 */
export function chatMarker(chatId: number): string {
  return `[karmagate:${String(chatId)}]`
}

/** The description as sent to Telegram: the rule's text, then the marker (255 characters at most). */
export function describeWithMarker(description: string, chatId: number): string {
  const marker = chatMarker(chatId)
  const room = 255 - marker.length - 1
  const text = description.trim().slice(0, room)
  return text === '' ? marker : `${text}\n${marker}`
}

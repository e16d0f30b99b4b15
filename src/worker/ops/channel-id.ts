/**
 * The Bot API id of a channel or supergroup (`-100` followed by its MTProto id), which is what
 * the bot and the `chats` table use.
 */
export function botApiChannelId(channelId: number): number {
  return -1_000_000_000_000 - channelId
}

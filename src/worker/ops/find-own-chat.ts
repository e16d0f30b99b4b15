import { Long, type TelegramClient, type tl } from '@mtcute/node'
import { botApiChannelId } from './channel-id.js'

/** Parameters of {@link findOwnChat}. */
export interface FindOwnChatParams {
  /** The title the chat was created with (narrows the chats whose description is fetched). */
  readonly title: string
  /** What the description ends with, e.g. `[karmagate:12]`. */
  readonly marker: string
  /** Dialog pages of 100 to look through; a chat just made sits on the first. @default 5 */
  readonly maxPages?: number
}

/**
 * Looks for a supergroup this account created whose description ends with `marker`, among the
 * account's dialogs (newest first). Resolves to its Bot API id, or undefined. This is how a
 * `chat.create` retried after a crash between creating and recording finds its chat instead of
 * making a second one.
 */
export async function findOwnChat(tg: TelegramClient, params: FindOwnChatParams): Promise<number | undefined> {
  let offsetDate = 0
  let offsetId = 0
  let offsetPeer: tl.TypeInputPeer = { _: 'inputPeerEmpty' }
  for (let page = 0; page < (params.maxPages ?? 5); page++) {
    const res = await tg.call({
      _: 'messages.getDialogs',
      offsetDate,
      offsetId,
      offsetPeer,
      limit: 100,
      hash: Long.ZERO,
    })
    if (res._ === 'messages.dialogsNotModified') return undefined
    for (const chat of res.chats) {
      if (chat._ !== 'channel' || !chat.megagroup || !chat.creator || chat.title !== params.title) continue
      const full = await tg.call({
        _: 'channels.getFullChannel',
        channel: { _: 'inputChannel', channelId: chat.id, accessHash: chat.accessHash ?? Long.ZERO },
      })
      if (full.fullChat._ === 'channelFull' && full.fullChat.about.trimEnd().endsWith(params.marker))
        return botApiChannelId(chat.id)
    }
    // Only a slice has more pages; continue from its last dialog.
    if (res._ !== 'messages.dialogsSlice' || res.dialogs.length === 0) return undefined
    const last = res.dialogs[res.dialogs.length - 1]
    const top = last?._ === 'dialog' ? res.messages.find((m) => m.id === last.topMessage) : undefined
    if (!last || !top || top._ === 'messageEmpty') return undefined
    offsetDate = top.date
    offsetId = top.id
    offsetPeer = await tg.resolvePeer(
      last.peer._ === 'peerChannel'
        ? botApiChannelId(last.peer.channelId)
        : last.peer._ === 'peerChat'
          ? -last.peer.chatId
          : last.peer.userId,
    )
  }
  return undefined
}

import { Long, MtPeerNotFoundError, type TelegramClient, type tl } from '@mtcute/node'

/**
 * The input peer of a supergroup this account is in, by its Bot API id. The session's peer
 * cache normally knows it (from creating it); when it does not (a new session file), one page of
 * dialogs fills the cache, since a private chat cannot be looked up without its access hash.
 */
export async function resolveOwnChannel(tg: TelegramClient, telegramChatId: number): Promise<tl.TypeInputChannel> {
  try {
    return await tg.resolveChannel(telegramChatId)
  } catch (err) {
    if (!(err instanceof MtPeerNotFoundError)) throw err
    // Every answer's chats go to the cache (the client's call() does that), so the retry finds it.
    await tg.call({
      _: 'messages.getDialogs',
      offsetDate: 0,
      offsetId: 0,
      offsetPeer: { _: 'inputPeerEmpty' },
      limit: 100,
      hash: Long.ZERO,
    })
    return tg.resolveChannel(telegramChatId)
  }
}

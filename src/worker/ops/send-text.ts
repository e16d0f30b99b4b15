import { randomBytes } from 'node:crypto'
import { Long, type InputPeerLike, type TelegramClient, type tl } from '@mtcute/node'

/** Parameters of {@link sendText}. */
export interface SendTextParams {
  /** The chat, e.g. `@karmagate_bot`. */
  readonly peer: InputPeerLike
  readonly text: string
}

/**
 * Sends a plain text message (`messages.sendMessage`). Resolves to the id of the sent message
 * when Telegram's answer carries it (it does for a private chat), else 0: the caller uses it only
 * to look at newer messages, and 0 means "all of them".
 */
export async function sendText(tg: TelegramClient, params: SendTextParams): Promise<number> {
  const peer = await tg.resolvePeer(params.peer)
  // Telegram deduplicates on randomId, so each send needs a fresh one.
  const bytes = randomBytes(8)
  const randomId = Long.fromBits(bytes.readInt32LE(0), bytes.readInt32LE(4))
  const res = await tg.call({ _: 'messages.sendMessage', peer, message: params.text, randomId })
  return sentMessageId(res)
}

function sentMessageId(res: tl.TypeUpdates): number {
  if (res._ === 'updateShortSentMessage') return res.id
  if (res._ !== 'updates' && res._ !== 'updatesCombined') return 0
  for (const u of res.updates) {
    if (u._ === 'updateMessageID') return u.id
    if (u._ === 'updateNewMessage' && u.message._ === 'message' && u.message.out === true) return u.message.id
  }
  return 0
}

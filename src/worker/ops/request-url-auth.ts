import type { InputPeerLike, TelegramClient } from '@mtcute/node'
import { type UrlAuthOutcome, urlAuthOutcome } from './url-auth-result.js'

/** Which login button: the message it is on and its `buttonId`. */
export interface UrlAuthButton {
  /** The chat the message is in, e.g. `@karmagate_bot`. */
  readonly peer: InputPeerLike
  readonly msgId: number
  /** The `buttonId` of the `keyboardButtonUrlAuth`. @default 0 */
  readonly buttonId?: number
}

/** Presses a login button as this account (`messages.requestUrlAuth`). */
export async function requestUrlAuth(tg: TelegramClient, button: UrlAuthButton): Promise<UrlAuthOutcome> {
  const peer = await tg.resolvePeer(button.peer)
  const res = await tg.call({ _: 'messages.requestUrlAuth', peer, msgId: button.msgId, buttonId: button.buttonId ?? 0 })
  return urlAuthOutcome(res)
}

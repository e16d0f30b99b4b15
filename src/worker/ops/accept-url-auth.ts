import type { TelegramClient } from '@mtcute/node'
import type { UrlAuthButton } from './request-url-auth.js'
import { type UrlAuthOutcome, urlAuthOutcome } from './url-auth-result.js'

/** Parameters of {@link acceptUrlAuth}. */
export interface AcceptUrlAuthParams extends UrlAuthButton {
  /** Let the bot write to this account. @default false */
  readonly allowWrite?: boolean
}

/** Confirms a login button's request (`messages.acceptUrlAuth`); `accepted` carries the signed URL. */
export async function acceptUrlAuth(tg: TelegramClient, params: AcceptUrlAuthParams): Promise<UrlAuthOutcome> {
  const peer = await tg.resolvePeer(params.peer)
  const res = await tg.call({
    _: 'messages.acceptUrlAuth',
    peer,
    msgId: params.msgId,
    buttonId: params.buttonId ?? 0,
    writeAllowed: params.allowWrite === true,
  })
  return urlAuthOutcome(res)
}

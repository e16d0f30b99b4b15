import { Long, type InputPeerLike, type TelegramClient, type tl } from '@mtcute/node'

/** Parameters of {@link findLoginButton}. */
export interface FindLoginButtonParams {
  /** The chat with the bot, e.g. `@karmagate_bot`. */
  readonly peer: InputPeerLike
  /** Look only at messages newer than this id (the `/login` we sent). @default 0 */
  readonly afterMsgId?: number
  /** How many of the newest messages to look through. @default 10 */
  readonly limit?: number
}

/** What {@link findLoginButton} found. */
export type LoginButtonSearch =
  /** No incoming message newer than `afterMsgId` yet. */
  | { readonly kind: 'no-reply' }
  /** The bot answered, but none of its answers has a `keyboardButtonUrlAuth`. */
  | { readonly kind: 'no-button'; readonly replyMsgId: number }
  /** The newest answer with a login button; `url` is the button's own URL (unsigned). */
  | { readonly kind: 'found'; readonly msgId: number; readonly buttonId: number; readonly url: string }

/**
 * Looks at the newest messages of a chat (`messages.getHistory`) for an incoming reply newer than
 * `afterMsgId` that carries a login button (`keyboardButtonUrlAuth`: a Bot API `login_url` as a
 * member's app sees it). One look; the caller decides how often to ask again.
 */
export async function findLoginButton(tg: TelegramClient, params: FindLoginButtonParams): Promise<LoginButtonSearch> {
  const peer = await tg.resolvePeer(params.peer)
  const after = params.afterMsgId ?? 0
  const res = await tg.call({
    _: 'messages.getHistory',
    peer,
    offsetId: 0,
    offsetDate: 0,
    addOffset: 0,
    limit: params.limit ?? 10,
    maxId: 0,
    minId: after,
    hash: Long.ZERO,
  })
  if (res._ === 'messages.messagesNotModified') return { kind: 'no-reply' }
  // Newest first, as Telegram sends them; minId is a hint the filter below does not rely on.
  const replies = res.messages
    .filter((m): m is tl.RawMessage => m._ === 'message' && m.out !== true && m.id > after)
    .sort((a, b) => b.id - a.id)
  const newest = replies[0]
  if (newest === undefined) return { kind: 'no-reply' }
  for (const m of replies) {
    if (m.replyMarkup?._ !== 'replyInlineMarkup') continue
    for (const row of m.replyMarkup.rows) {
      const button = row.buttons.find((b): b is tl.RawKeyboardButtonUrlAuth => b._ === 'keyboardButtonUrlAuth')
      if (button) return { kind: 'found', msgId: m.id, buttonId: button.buttonId, url: button.url }
    }
  }
  return { kind: 'no-button', replyMsgId: newest.id }
}

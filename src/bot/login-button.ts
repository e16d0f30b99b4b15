import { InlineKeyboard } from 'grammy'

/** Options of {@link loginKeyboard}. */
export interface LoginButtonOptions {
  /** The site's origin; the button logs in at `PUBLIC_URL/auth/telegram`. */
  readonly publicUrl: string
  /** The bot that signs the login; Telegram shows its name in the confirmation. */
  readonly botUsername: string
  /** @default 'Log in to the site' */
  readonly text?: string
}

/** Where Telegram sends a member who taps a login button. */
export function loginUrl(publicUrl: string): string {
  return `${publicUrl}/auth/telegram`
}

/**
 * A Seamless Login button (Bot API `login_url`, MTProto `keyboardButtonUrlAuth`): Telegram
 * opens the site already signed in, and asks the member to let the bot write to them.
 * `forward_text` keeps the button meaningful when the message is forwarded to someone else.
 */
export function loginKeyboard(options: LoginButtonOptions): InlineKeyboard {
  return new InlineKeyboard().login(options.text ?? 'Log in to the site', {
    url: loginUrl(options.publicUrl),
    forward_text: `Log in with @${options.botUsername}`,
    bot_username: options.botUsername,
    request_write_access: true,
  })
}

import type { tl } from '@mtcute/node'

/** What pressing a login button (`keyboardButtonUrlAuth`) as this account gave. */
export type UrlAuthOutcome =
  /** Telegram asks the user to confirm logging in to `domain` through `bot`. */
  | {
      readonly kind: 'request'
      readonly botId: number
      readonly botUsername: string | null
      readonly domain: string
      readonly requestWriteAccess: boolean
    }
  /** Logged in: open `url` (signed by the bot). */
  | { readonly kind: 'accepted'; readonly url: string | null }
  /** Telegram will not sign: open the button's URL as it is (the domain is likely not linked with /setdomain). */
  | { readonly kind: 'default' }

/** Maps Telegram's `UrlAuthResult` to {@link UrlAuthOutcome}. */
export function urlAuthOutcome(res: tl.TypeUrlAuthResult): UrlAuthOutcome {
  switch (res._) {
    case 'urlAuthResultRequest':
      return {
        kind: 'request',
        botId: res.bot.id,
        botUsername: res.bot._ === 'user' ? (res.bot.username ?? null) : null,
        domain: res.domain,
        requestWriteAccess: res.requestWriteAccess === true,
      }
    case 'urlAuthResultAccepted':
      return { kind: 'accepted', url: res.url ?? null }
    case 'urlAuthResultDefault':
      return { kind: 'default' }
  }
}

import { setTimeout as sleep } from 'node:timers/promises'
import type { TelegramClient } from '@mtcute/node'
import { acceptUrlAuth } from '../ops/accept-url-auth.js'
import { findLoginButton, type LoginButtonSearch } from '../ops/find-login-button.js'
import { requestUrlAuth } from '../ops/request-url-auth.js'
import { sendText } from '../ops/send-text.js'
import { CanaryError } from './errors.js'

/** Parameters of {@link runLoginCanary}. */
export interface LoginCanaryParams {
  /** The bot to send `/login` to, with or without `@`. */
  readonly botUsername: string
  /** Pause before each look at the chat for the bot's answer, in ms. @default 1000 */
  readonly pollIntervalMs?: number
  /** Looks at the chat before giving up on the bot. @default 10 */
  readonly maxPolls?: number
  /** Longest wait for the site's answer, in ms. @default 10000 */
  readonly siteTimeoutMs?: number
  /** Aborts the run (the worker is stopping): sleeps and the site request end at once. */
  readonly signal?: AbortSignal
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch
}

/** What a passing run saw. */
export interface LoginCanaryPass {
  /** The signed URL's origin and path only: its query is a one-time credential, never logged. */
  readonly opened: string
  /** The site's status (302). */
  readonly status: number
}

/** `https://site/auth/telegram` from the signed URL, without the query (a credential). */
export function redactedUrl(url: string): string {
  return URL.canParse(url) ? (({ origin, pathname }) => `${origin}${pathname}`)(new URL(url)) : '(not a URL)'
}

const SESSION_COOKIE = /^(__Host-)?kg_session=[^;]+/

/**
 * Logs in to the site as a member would, through the whole chain: sends `/login` to the bot,
 * waits for its login button, presses it (`messages.requestUrlAuth`, then
 * `messages.acceptUrlAuth` with write access, as the member's app does), opens the URL Telegram
 * signed against the site and expects a 302 with a session cookie. Throws a {@link CanaryError}
 * saying where the chain broke; Telegram's own errors (`tl.RpcError`) pass through.
 */
export async function runLoginCanary(tg: TelegramClient, params: LoginCanaryParams): Promise<LoginCanaryPass> {
  const peer = params.botUsername.replace(/^@/, '')
  const signal = params.signal
  const sentId = await sendText(tg, { peer, text: '/login' })

  let search: LoginButtonSearch = { kind: 'no-reply' }
  for (let i = 0; i < (params.maxPolls ?? 10) && search.kind !== 'found'; i++) {
    await sleep(params.pollIntervalMs ?? 1000, undefined, signal ? { signal } : undefined)
    search = await findLoginButton(tg, { peer, afterMsgId: sentId })
  }
  if (search.kind === 'no-reply') throw new CanaryError('bot-silent', `@${peer} did not answer /login`)
  if (search.kind === 'no-button') throw new CanaryError('no-button', `@${peer} answered /login without a login button`)

  const button = { peer, msgId: search.msgId, buttonId: search.buttonId }
  // Telegram answers Accepted straight away when this account already allowed the bot before.
  let outcome = await requestUrlAuth(tg, button)
  if (outcome.kind === 'request') outcome = await acceptUrlAuth(tg, { ...button, allowWrite: true })
  if (outcome.kind === 'default') {
    throw new CanaryError(
      'domain-not-linked',
      'Telegram would not sign the login (urlAuthResultDefault): the domain is not linked with /setdomain',
    )
  }
  if (outcome.kind !== 'accepted' || outcome.url === null)
    throw new CanaryError('no-url', 'Telegram accepted the login but gave no URL')

  const url = outcome.url
  const opened = redactedUrl(url)
  let res: Response
  try {
    const timeout = AbortSignal.timeout(params.siteTimeoutMs ?? 10_000)
    res = await (params.fetch ?? fetch)(url, {
      redirect: 'manual',
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    })
  } catch (err) {
    if (signal?.aborted === true) throw err
    throw new CanaryError(
      'site-unreachable',
      `${opened} did not answer: ${err instanceof Error ? err.message : String(err)}`,
    )
  }
  // The body is not needed; reading it frees the connection.
  await res.arrayBuffer().catch(() => undefined)
  if (res.status !== 302)
    throw new CanaryError('http-status', `${opened} answered ${String(res.status)}, expected 302`, res.status)
  if (!res.headers.getSetCookie().some((c) => SESSION_COOKIE.test(c))) {
    throw new CanaryError('no-cookie', `${opened} answered 302 without a session cookie`, res.status)
  }
  return { opened, status: res.status }
}

import { randomUUID } from 'node:crypto'
import type { LoginUrl } from 'grammy/types'
import { signedLoginQuery } from '../login/sign.js'
import { SandboxError } from './errors.js'
import { displayName, type EmulatedUser } from './users.js'
import { toUnixSeconds } from '../time.js'

/** Telegram's confirmation dialog for a `login_url` button: "Log in to DOMAIN as NAME". */
export interface LoginPrompt {
  /** Identifies the prompt for {@link LoginPrompts.confirm}. */
  readonly id: string
  readonly userId: number
  /** The user's name as the dialog shows it. */
  readonly userName: string
  readonly botUsername: string
  readonly botName: string
  /** The host the user logs in to (no port). */
  readonly domain: string
  /** Whether the dialog has the "Allow BOT to send me messages" checkbox. */
  readonly requestWriteAccess: boolean
  /** The button's `login_url.url`, unsigned. */
  readonly url: string
}

/** The bot as the login dialog needs it. */
export interface LoginBot {
  readonly token: string
  readonly username: string
  readonly name: string
  /** The domain linked with BotFather's /setdomain; undefined accepts any. */
  readonly domain: string | undefined
}

/** The fields Telegram signs and appends to the login URL. */
const SIGNED_FIELDS = ['id', 'first_name', 'last_name', 'username', 'photo_url', 'auth_date', 'hash']
const MAX_PROMPTS = 1000

/**
 * Seamless Login: a tap on a `login_url` button opens a prompt (or fails as Telegram's app
 * does: "Bot domain invalid"); confirming it yields the URL the app opens, signed exactly as
 * Telegram signs it.
 */
export class LoginPrompts {
  readonly #prompts = new Map<string, LoginPrompt>()
  readonly #bot: LoginBot
  readonly #clock: () => number

  constructor(bot: LoginBot, clock: () => number) {
    this.#bot = bot
    this.#clock = clock
  }

  /** Opens the dialog for `user` tapping a button with `login`. */
  open(user: EmulatedUser, login: LoginUrl): LoginPrompt {
    const requested = login.bot_username?.replace(/^@/, '')
    if (requested !== undefined && requested.toLowerCase() !== this.#bot.username.toLowerCase()) {
      throw new SandboxError('bot_invalid', `Bot @${requested} is not the emulated bot.`)
    }
    let domain: string
    try {
      domain = new URL(login.url).hostname.toLowerCase()
    } catch {
      throw new SandboxError('bot_domain_invalid', 'Bot domain invalid')
    }
    if (this.#bot.domain !== undefined && domain !== this.#bot.domain.toLowerCase()) {
      throw new SandboxError('bot_domain_invalid', 'Bot domain invalid')
    }
    const prompt: LoginPrompt = {
      id: randomUUID(),
      userId: user.id,
      userName: displayName(user),
      botUsername: this.#bot.username,
      botName: this.#bot.name,
      domain,
      requestWriteAccess: login.request_write_access === true,
      url: login.url,
    }
    if (this.#prompts.size >= MAX_PROMPTS) {
      const oldest = this.#prompts.keys().next().value
      if (oldest !== undefined) this.#prompts.delete(oldest)
    }
    this.#prompts.set(prompt.id, prompt)
    return prompt
  }

  /** The open prompt `id`; throws {@link SandboxError} `login_prompt_not_found`. */
  get(id: string): LoginPrompt {
    const prompt = this.#prompts.get(id)
    if (!prompt) throw new SandboxError('login_prompt_not_found', 'This login dialog is closed. Tap the button again.')
    return prompt
  }

  /**
   * Closes prompt `id` with "Log in" and returns the URL Telegram opens: the button's URL
   * with its own query kept (less any field Telegram sets) and Telegram's signed fields
   * appended.
   */
  confirm(id: string, user: EmulatedUser): string {
    const prompt = this.get(id)
    this.#prompts.delete(id)
    const fields: Record<string, string> = { id: String(user.id), first_name: user.firstName }
    if (user.lastName !== undefined) fields.last_name = user.lastName
    if (user.username !== undefined) fields.username = user.username
    if (user.photoUrl !== undefined) fields.photo_url = user.photoUrl
    fields.auth_date = String(toUnixSeconds(this.#clock()))
    const url = new URL(prompt.url)
    for (const key of SIGNED_FIELDS) url.searchParams.delete(key)
    const own = url.searchParams.toString()
    const signed = signedLoginQuery(this.#bot.token, fields)
    url.search = own === '' ? signed : `${own}&${signed}`
    return url.toString()
  }

  /** Closes prompt `id` with "Cancel". */
  cancel(id: string): void {
    this.#prompts.delete(id)
  }
}

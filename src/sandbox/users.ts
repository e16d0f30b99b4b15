import type { Chat, User } from 'grammy/types'
import { SandboxError } from './errors.js'

/** What {@link UserDirectory.create} needs to make a Telegram user. */
export interface NewUser {
  /** 1–64 characters. */
  readonly firstName: string
  /** Up to 64 characters. */
  readonly lastName?: string | undefined
  /** 5–32 letters, digits or `_`, starting with a letter; unique, ignoring case. */
  readonly username?: string | undefined
  /** An IETF language tag such as `en`. */
  readonly languageCode?: string | undefined
  /** An https URL of the profile photo, sent as `photo_url` on login. */
  readonly photoUrl?: string | undefined
  /** Their privacy settings let nobody add them to groups. @default false */
  readonly restrictsGroupAdds?: boolean | undefined
}

/** A Telegram user played by the emulator, with what the bot may do with them. */
export interface EmulatedUser {
  readonly id: number
  readonly firstName: string
  readonly lastName?: string
  readonly username?: string
  readonly languageCode?: string
  readonly photoUrl?: string
  /** The user has written to the bot, so the bot may write back. */
  readonly startedBot: boolean
  /** The user blocked the bot: every message to them is a 403. */
  readonly blockedBot: boolean
  /** The user allowed the bot to message them when logging in (`request_write_access`). */
  readonly allowsWriteToPm: boolean
  /**
   * Their privacy settings ("who can add me to groups": nobody) refuse an account adding them
   * to a chat: `USER_PRIVACY_RESTRICTED`; they can still follow an invite link.
   */
  readonly restrictsGroupAdds: boolean
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const USERNAME = /^[A-Za-z][A-Za-z0-9_]{4,31}$/
const LANGUAGE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/

function cleanName(value: string | undefined, field: string, required: boolean): string | undefined {
  const trimmed = value?.trim() ?? ''
  if (trimmed === '') {
    if (required) throw new SandboxError('invalid_input', `${field} is required.`)
    return undefined
  }
  if (trimmed.length > 64) throw new SandboxError('invalid_input', `${field} must be at most 64 characters.`)
  return trimmed
}

/** The emulated Telegram's users, with ids from `firstId` up. */
export class UserDirectory {
  readonly #users = new Map<number, Mutable<EmulatedUser>>()
  #nextId: number

  /** @param firstId the first user's id. */
  constructor(firstId: number) {
    this.#nextId = firstId
  }

  /** Creates a user; throws {@link SandboxError} `invalid_input` or `username_taken`. */
  create(input: NewUser): EmulatedUser {
    const firstName = cleanName(input.firstName, 'First name', true) ?? ''
    const lastName = cleanName(input.lastName, 'Last name', false)
    const username = input.username?.trim().replace(/^@/, '') || undefined
    if (username !== undefined) {
      if (!USERNAME.test(username)) {
        throw new SandboxError(
          'invalid_input',
          'A username has 5–32 letters, digits or underscores and starts with a letter.',
        )
      }
      const lower = username.toLowerCase()
      if ([...this.#users.values()].some((u) => u.username?.toLowerCase() === lower)) {
        throw new SandboxError('username_taken', `The username @${username} is taken.`)
      }
    }
    const languageCode = input.languageCode?.trim() || undefined
    if (languageCode !== undefined && !LANGUAGE.test(languageCode)) {
      throw new SandboxError('invalid_input', 'The language code must be an IETF tag such as "en".')
    }
    const photoUrl = input.photoUrl?.trim() || undefined
    if (photoUrl !== undefined && !photoUrl.startsWith('https://')) {
      throw new SandboxError('invalid_input', 'The photo URL must be an https URL.')
    }
    const user: Mutable<EmulatedUser> = {
      id: this.#nextId++,
      firstName,
      startedBot: false,
      blockedBot: false,
      allowsWriteToPm: false,
      restrictsGroupAdds: input.restrictsGroupAdds === true,
    }
    if (lastName !== undefined) user.lastName = lastName
    if (username !== undefined) user.username = username
    if (languageCode !== undefined) user.languageCode = languageCode
    if (photoUrl !== undefined) user.photoUrl = photoUrl
    this.#users.set(user.id, user)
    return { ...user }
  }

  /** The user with `id`, if any (a copy). */
  get(id: number): EmulatedUser | undefined {
    const user = this.#users.get(id)
    return user && { ...user }
  }

  /** The user with `id`; throws {@link SandboxError} `user_not_found`. */
  require(id: number): EmulatedUser {
    const user = this.get(id)
    if (!user) throw new SandboxError('user_not_found', `There is no user ${String(id)}.`)
    return user
  }

  /** Every user, oldest first (copies). */
  list(): EmulatedUser[] {
    return [...this.#users.values()].map((u) => ({ ...u }))
  }

  /** Changes what the bot may do with user `id`. */
  update(
    id: number,
    change: Partial<Pick<EmulatedUser, 'startedBot' | 'blockedBot' | 'allowsWriteToPm' | 'restrictsGroupAdds'>>,
  ): void {
    const user = this.#users.get(id)
    if (!user) throw new SandboxError('user_not_found', `There is no user ${String(id)}.`)
    Object.assign(user, change)
  }
}

/** A user as the Bot API shows them (`User`). */
export function telegramUser(user: EmulatedUser): User {
  const shown: User = { id: user.id, is_bot: false, first_name: user.firstName }
  if (user.lastName !== undefined) shown.last_name = user.lastName
  if (user.username !== undefined) shown.username = user.username
  if (user.languageCode !== undefined) shown.language_code = user.languageCode
  return shown
}

/** "First Last", as Telegram's app shows a name. */
export function displayName(user: EmulatedUser): string {
  return user.lastName === undefined ? user.firstName : `${user.firstName} ${user.lastName}`
}

/** The private chat between the bot and `user`, as the Bot API shows it in messages. */
export function privateChat(user: EmulatedUser): Chat.PrivateChat {
  const chat: Chat.PrivateChat = { id: user.id, type: 'private', first_name: user.firstName }
  if (user.lastName !== undefined) chat.last_name = user.lastName
  if (user.username !== undefined) chat.username = user.username
  return chat
}

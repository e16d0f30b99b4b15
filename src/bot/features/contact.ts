import type { User } from 'grammy/types'
import type { BotContact } from '../../db/members.js'

/** The member-facing fields of a Telegram user. */
export function contactOf(user: User): BotContact {
  return {
    telegramId: user.id,
    firstName: user.first_name,
    lastName: user.last_name ?? null,
    username: user.username ?? null,
  }
}

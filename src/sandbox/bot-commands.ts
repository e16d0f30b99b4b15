import type { BotCommand, BotCommandScope } from 'grammy/types'
import { badRequest } from './errors.js'

function scopeKey(scope: BotCommandScope | undefined): string {
  if (!scope || scope.type === 'default') return 'default'
  switch (scope.type) {
    case 'chat':
    case 'chat_administrators':
      return `${scope.type}:${String(scope.chat_id)}`
    case 'chat_member':
      return `chat_member:${String(scope.chat_id)}:${String(scope.user_id)}`
    default:
      return scope.type
  }
}

const SCOPE_TYPES = new Set([
  'default',
  'all_private_chats',
  'all_group_chats',
  'all_chat_administrators',
  'chat',
  'chat_administrators',
  'chat_member',
])

/** Reads `scope` as sent to `setMyCommands` & co. */
export function checkScope(scope: unknown): BotCommandScope | undefined {
  if (scope === undefined) return undefined
  if (typeof scope !== 'object' || scope === null || !SCOPE_TYPES.has(String((scope as { type?: unknown }).type))) {
    throw badRequest("can't parse BotCommandScope JSON object")
  }
  return scope as BotCommandScope
}

/** Checks a command list as Telegram does. */
export function checkCommands(commands: unknown): BotCommand[] {
  if (!Array.isArray(commands)) throw badRequest("can't parse commands JSON object")
  if (commands.length > 100) throw badRequest('BOT_COMMANDS_TOO_MUCH')
  return commands.map((c: unknown) => {
    const { command, description } = (typeof c === 'object' && c !== null ? c : {}) as {
      command?: unknown
      description?: unknown
    }
    if (typeof command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(command.replace(/^\//, '')))
      throw badRequest('BOT_COMMAND_INVALID')
    if (typeof description !== 'string' || description.trim() === '' || description.length > 256) {
      throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID')
    }
    return { command: command.replace(/^\//, ''), description }
  })
}

/** The bot's command lists per scope and language (`setMyCommands`). */
export class BotCommands {
  readonly #lists = new Map<string, BotCommand[]>()

  /** Sets (or with an empty list, deletes) the list for `scope` and `languageCode`. */
  set(commands: BotCommand[], scope: BotCommandScope | undefined, languageCode: string): void {
    const key = `${scopeKey(scope)}|${languageCode}`
    if (commands.length === 0) this.#lists.delete(key)
    else this.#lists.set(key, commands)
  }

  /** The list for exactly `scope` and `languageCode`, as `getMyCommands` returns it. */
  get(scope: BotCommandScope | undefined, languageCode: string): BotCommand[] {
    return [...(this.#lists.get(`${scopeKey(scope)}|${languageCode}`) ?? [])]
  }

  /** What the app's menu shows user `userId` in their private chat, by Telegram's fallback order. */
  forPrivateChat(userId: number, languageCode: string | undefined): BotCommand[] {
    const scopes = [`chat:${String(userId)}`, 'all_private_chats', 'default']
    for (const scope of scopes) {
      for (const lang of languageCode ? [languageCode, ''] : ['']) {
        const list = this.#lists.get(`${scope}|${lang}`)
        if (list) return [...list]
      }
    }
    return []
  }
}

import type { Api } from 'grammy'
import type { Logger } from 'pino'
import type { Store } from '../../db/store.js'

/** What the bot's job handlers need. */
export interface BotJobDeps {
  readonly api: Api
  readonly store: Store
  readonly logger: Logger
  /** The site's origin, for links in messages. */
  readonly publicUrl: string
  /** @default Date.now */
  readonly clock?: () => number
}

/** A job's payload naming a member and a chat (ours, not Telegram's ids). */
export interface MemberChatPayload {
  readonly memberId: number
  readonly chatId: number
}

/** Reads a `{ memberId, chatId }` payload, or throws for a malformed one. */
export function memberChatPayload(payload: unknown): MemberChatPayload {
  const p = payload as Partial<MemberChatPayload> | null
  if (!p || !Number.isSafeInteger(p.memberId) || !Number.isSafeInteger(p.chatId)) {
    throw new TypeError(`bad job payload: ${JSON.stringify(payload)}`)
  }
  return p as MemberChatPayload
}

import type { ConversationFlavor } from '@grammyjs/conversations'
import type { Context } from 'grammy'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { Store } from '../db/store.js'
import type { BotApiLimits } from './api-gate.js'

/** The bot's context type: grammY's, with the conversations plugin's controls. */
export type BotContext = ConversationFlavor<Context>

/** What the bot's features need, built once in `cli.ts` (or by a test). */
export interface BotDeps {
  readonly config: Pick<Config, 'botToken' | 'publicUrl' | 'telegramApiRoot' | 'adminTelegramIds'> &
    Partial<Pick<Config, 'botApiTimeoutSeconds'>>
  readonly store: Store
  readonly logger: Logger
  /** Current time in milliseconds. @default Date.now */
  readonly clock?: () => number
  /**
   * Telegram's limits as this process knows them, shared by the bot and its job runner.
   * @default limits of the bot's own
   */
  readonly limits?: BotApiLimits
}

/** The current time by the deps' clock. */
export function nowOf(deps: Pick<BotDeps, 'clock'>): number {
  return (deps.clock ?? Date.now)()
}

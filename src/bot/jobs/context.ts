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

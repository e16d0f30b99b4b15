import { botMethods } from './bot-methods.js'
import { chatMethods } from './chat-methods.js'
import { BotApiError } from '../errors.js'
import type { BotApiContext, BotApiMethod } from './context.js'
import { messageMethods } from './message-methods.js'
import type { Params } from './params.js'
import { updateMethods } from './update-methods.js'

/** Every method the emulated Bot API knows, by its lower-cased name (Telegram ignores case). */
export const BOT_API_METHODS: ReadonlyMap<string, BotApiMethod> = new Map(
  Object.entries({ ...botMethods, ...updateMethods, ...messageMethods, ...chatMethods }).map(([name, method]) => [
    name.toLowerCase(),
    method,
  ]),
)

/** The names of the emulated methods, as Telegram spells them. */
export const BOT_API_METHOD_NAMES: readonly string[] = Object.keys({
  ...botMethods,
  ...updateMethods,
  ...messageMethods,
  ...chatMethods,
})

/** What the emulated Bot API has been asked, for tests and the page. */
export interface BotApiStats {
  /** Calls per method, as Telegram spells its name (unknown methods are not counted). */
  readonly calls: Readonly<Record<string, number>>
  /** How many calls were refused with 429. */
  readonly tooManyRequests: number
}

/** Counts calls and 429s, for {@link BotApiStats}. */
export class BotApiCounter {
  readonly #calls: Record<string, number> = {}
  #tooManyRequests = 0

  count(method: string): void {
    this.#calls[method] = (this.#calls[method] ?? 0) + 1
  }

  countTooManyRequests(): void {
    this.#tooManyRequests++
  }

  snapshot(): BotApiStats {
    return { calls: { ...this.#calls }, tooManyRequests: this.#tooManyRequests }
  }
}

const CANONICAL = new Map(BOT_API_METHOD_NAMES.map((name) => [name.toLowerCase(), name]))

/**
 * Runs Bot API method `name` (any case) as the HTTP router and webhook replies do: a 404
 * `BotApiError` for an unknown method, counted in `counter`.
 */
export async function invokeMethod(
  name: string,
  params: Params,
  context: BotApiContext,
  counter: BotApiCounter,
  signal: AbortSignal,
): Promise<unknown> {
  const key = name.toLowerCase()
  const method = BOT_API_METHODS.get(key)
  if (!method) throw new BotApiError(404, 'Not Found')
  counter.count(CANONICAL.get(key) ?? name)
  try {
    return await method(params, context, signal)
  } catch (err) {
    if (err instanceof BotApiError && err.errorCode === 429) counter.countTooManyRequests()
    throw err
  }
}

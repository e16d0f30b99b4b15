import { randomBytes } from 'node:crypto'
import { badRequest } from './errors.js'

/** What the bot answered to a pressed callback button (`answerCallbackQuery`). */
export interface CallbackAnswer {
  /** A notification (or an alert, with {@link showAlert}) shown to the user. */
  readonly text?: string
  readonly showAlert: boolean
  /** A URL the app opens (games, `t.me/bot?start=` links). */
  readonly url?: string
}

interface PendingQuery {
  readonly createdAt: number
  answered: boolean
  readonly listeners: Set<(answer: CallbackAnswer) => void>
}

/** How long the bot may take to answer, on the injected clock. */
const ANSWER_WINDOW_MS = 60_000

/** Pressed callback buttons waiting for the bot's `answerCallbackQuery`. */
export class CallbackQueries {
  readonly #pending = new Map<string, PendingQuery>()
  readonly #timers = new Set<NodeJS.Timeout>()
  readonly #clock: () => number

  constructor(clock: () => number) {
    this.#clock = clock
  }

  /** Registers a new query and returns its id (a decimal string, like Telegram's). */
  create(): string {
    const id = BigInt(`0x${randomBytes(8).toString('hex')}`).toString()
    this.#pending.set(id, { createdAt: this.#clock(), answered: false, listeners: new Set() })
    return id
  }

  /**
   * Resolves with the bot's answer to query `id`, or with null after `timeoutMs` (the app
   * stops its spinner then).
   */
  waitForAnswer(id: string, timeoutMs: number): Promise<CallbackAnswer | null> {
    const query = this.#pending.get(id)
    if (!query) return Promise.resolve(null)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer)
        query.listeners.delete(listener)
        resolve(null)
      }, timeoutMs)
      this.#timers.add(timer)
      const listener = (answer: CallbackAnswer) => {
        clearTimeout(timer)
        this.#timers.delete(timer)
        resolve(answer)
      }
      query.listeners.add(listener)
    })
  }

  /** `answerCallbackQuery`: once per query, within the answer window. */
  answer(id: string, answer: CallbackAnswer): void {
    const query = this.#pending.get(id)
    if (!query || query.answered || this.#clock() - query.createdAt > ANSWER_WINDOW_MS) {
      throw badRequest('query is too old and response timeout expired or query ID is invalid')
    }
    query.answered = true
    for (const listener of query.listeners) listener(answer)
    query.listeners.clear()
    this.#forgetOld()
  }

  /** Ends every wait (with null) and clears timers. */
  close(): void {
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    this.#pending.clear()
  }

  #forgetOld(): void {
    const now = this.#clock()
    for (const [id, query] of this.#pending) {
      if (query.answered || now - query.createdAt > ANSWER_WINDOW_MS) this.#pending.delete(id)
    }
  }
}

import { msToWholeSeconds } from '../time.js'

/** How many messages the emulated Telegram lets a bot send, as Telegram's FAQ states them. */
export interface RateLimits {
  /** Messages (sent or edited) per second over all chats. @default 30 */
  readonly messagesPerSecond?: number
  /** Messages (sent or edited) per second in one chat. @default 1 */
  readonly messagesPerChatPerSecond?: number
}

const WINDOW_MS = 1000

/** Timestamps of accepted messages in the last second, oldest first. */
class Window {
  readonly #times: number[] = []

  prune(now: number): void {
    while (this.#times.length > 0 && (this.#times[0] ?? 0) <= now - WINDOW_MS) this.#times.shift()
  }

  /** Whole seconds until a slot frees when the window holds `limit` or more, else 0. */
  wait(now: number, limit: number): number {
    this.prune(now)
    if (this.#times.length < limit) return 0
    const oldest = this.#times[this.#times.length - limit] ?? now
    return Math.max(1, msToWholeSeconds(oldest + WINDOW_MS - now))
  }

  record(now: number): void {
    this.#times.push(now)
  }

  get empty(): boolean {
    return this.#times.length === 0
  }
}

/**
 * Sliding one-second windows, overall and per chat, over the injected clock. A refused message
 * is not counted, so a bot that waits `retry_after` seconds gets through.
 */
export class MessageRateLimiter {
  readonly #overall = new Window()
  readonly #perChat = new Map<number, Window>()
  readonly #perSecond: number
  readonly #perChatPerSecond: number
  readonly #clock: () => number

  constructor(limits: RateLimits, clock: () => number) {
    this.#perSecond = limits.messagesPerSecond ?? 30
    this.#perChatPerSecond = limits.messagesPerChatPerSecond ?? 1
    this.#clock = clock
  }

  /**
   * Counts one message to `chatId` if both limits allow it and returns 0; otherwise counts
   * nothing and returns the `retry_after` seconds (at least 1).
   */
  acquire(chatId: number): number {
    const now = this.#clock()
    let chat = this.#perChat.get(chatId)
    if (!chat) {
      chat = new Window()
      this.#perChat.set(chatId, chat)
    }
    const wait = Math.max(this.#overall.wait(now, this.#perSecond), chat.wait(now, this.#perChatPerSecond))
    if (wait > 0) return wait
    this.#overall.record(now)
    chat.record(now)
    this.#forgetIdleChats(now)
    return 0
  }

  /** Keeps the map from growing with every chat ever written to. */
  #forgetIdleChats(now: number): void {
    if (this.#perChat.size < 1000) return
    for (const [id, window] of this.#perChat) {
      window.prune(now)
      if (window.empty) this.#perChat.delete(id)
    }
  }
}

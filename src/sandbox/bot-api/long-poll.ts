import { BotApiError } from '../errors.js'
import type { UpdateQueue } from '../update-queue.js'

interface Waiter {
  readonly done: (error?: BotApiError) => void
}

/**
 * The one `getUpdates` long poll Telegram allows at a time: a new call (or `setWebhook`)
 * ends the waiting one with a 409, as Telegram does.
 */
export class LongPolls {
  readonly #queue: UpdateQueue
  #waiter: Waiter | undefined

  constructor(queue: UpdateQueue) {
    this.#queue = queue
  }

  /** Ends a waiting poll with `error` (by default the "other getUpdates request" conflict). */
  terminate(
    error = new BotApiError(
      409,
      'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    ),
  ): void {
    this.#waiter?.done(error)
  }

  /**
   * Waits until an update is queued, `timeoutMs` passes, `signal` aborts (the client went
   * away) or another poll supersedes this one (a 409 is thrown).
   */
  wait(timeoutMs: number, signal: AbortSignal): Promise<void> {
    this.terminate()
    return new Promise((resolve, reject) => {
      const finish = (error?: BotApiError) => {
        clearTimeout(timer)
        unsubscribe()
        signal.removeEventListener('abort', onAbort)
        if (this.#waiter === waiter) this.#waiter = undefined
        if (error) reject(error)
        else resolve()
      }
      const waiter: Waiter = { done: finish }
      const timer = setTimeout(finish, timeoutMs)
      const unsubscribe = this.#queue.onPush(() => {
        finish()
      })
      const onAbort = () => {
        finish()
      }
      signal.addEventListener('abort', onAbort)
      this.#waiter = waiter
      if (signal.aborted) finish()
    })
  }

  /** Ends a waiting poll with an empty answer. */
  close(): void {
    this.#waiter?.done()
  }
}

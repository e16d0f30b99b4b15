import type { WebhookInfo } from 'grammy/types'
import type { Logger } from 'pino'
import { toUnixSeconds } from '../time.js'
import type { QueuedUpdate, UpdateQueue } from './update-queue.js'

/** How the emulator retries a webhook that failed. */
export interface WebhookRetry {
  /** Wait before the first retry, in ms; doubled after each failure. @default 1000 */
  readonly initialDelayMs?: number
  /** Longest wait between retries, in ms. @default 30000 */
  readonly maxDelayMs?: number
  /** How long one delivery may take before it counts as failed, in ms. @default 60000 */
  readonly timeoutMs?: number
}

/** A webhook as `setWebhook` configured it. */
export interface WebhookConfig {
  readonly url: string
  readonly secretToken: string | undefined
  readonly maxConnections: number
  readonly ipAddress: string | undefined
}

/** What the delivery loop needs from the emulator. */
export interface WebhookDeps {
  readonly queue: UpdateQueue
  readonly clock: () => number
  readonly logger: Logger
  readonly retry?: WebhookRetry
  /** Runs a method the webhook answered with ("reply to the webhook"); errors are ignored. */
  readonly replyMethod?: (method: string, params: Record<string, unknown>) => Promise<unknown>
}

/**
 * Delivers queued updates to the webhook, one at a time and in order, as Telegram does: an
 * update leaves the queue only after a 2xx; a non-2xx or a network error records
 * `last_error_*` and retries the same update after a growing pause.
 */
export class WebhookDelivery {
  readonly #deps: WebhookDeps
  #config: WebhookConfig | undefined
  /** Bumped on every change, so that a loop of an old configuration stops. */
  #generation = 0
  #running = false
  #closed = false
  #lastError: { date: number; message: string } | undefined
  #abort: AbortController | undefined
  #sleep: { timer: NodeJS.Timeout; wake: () => void } | undefined
  readonly #unsubscribe: () => void

  constructor(deps: WebhookDeps) {
    this.#deps = deps
    this.#unsubscribe = deps.queue.onPush(() => {
      this.#kick()
    })
  }

  /** The current webhook, if one is set. */
  get config(): WebhookConfig | undefined {
    return this.#config
  }

  /** Whether a webhook is set (then `getUpdates` is a 409). */
  active(): boolean {
    return this.#config !== undefined
  }

  /** Sets (or replaces) the webhook and starts delivering what is pending. */
  set(config: WebhookConfig): void {
    this.#config = config
    this.#generation++
    this.#lastError = undefined
    this.#wakeSleeper()
    this.#kick()
  }

  /** Removes the webhook; pending updates stay for `getUpdates`. */
  clear(): void {
    this.#config = undefined
    this.#generation++
    this.#lastError = undefined
    this.#abort?.abort()
    this.#wakeSleeper()
  }

  /** `getWebhookInfo`'s answer. */
  info(): WebhookInfo {
    const { queue } = this.#deps
    const allowed = queue.allowedUpdates
    const info: WebhookInfo = {
      url: this.#config?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: queue.size,
    }
    if (this.#config) {
      info.max_connections = this.#config.maxConnections
      if (this.#config.ipAddress !== undefined) info.ip_address = this.#config.ipAddress
      if (allowed.length > 0) info.allowed_updates = [...allowed] as WebhookInfo['allowed_updates']
    }
    if (this.#lastError) {
      info.last_error_date = this.#lastError.date
      info.last_error_message = this.#lastError.message
    }
    return info
  }

  /** Stops delivering for good: aborts a request in flight and clears the retry timer. */
  close(): void {
    this.#closed = true
    this.#config = undefined
    this.#generation++
    this.#unsubscribe()
    this.#abort?.abort()
    this.#wakeSleeper()
  }

  #kick(): void {
    if (this.#running || this.#closed || !this.#config || this.#deps.queue.size === 0) return
    this.#running = true
    void this.#loop().finally(() => {
      this.#running = false
      // An update may have arrived, or the webhook changed, while the loop was ending.
      if (!this.#closed && this.#config && this.#deps.queue.size > 0) this.#kick()
    })
  }

  async #loop(): Promise<void> {
    const retry = this.#deps.retry ?? {}
    const initialDelay = retry.initialDelayMs ?? 1000
    const maxDelay = retry.maxDelayMs ?? 30_000
    let delay = initialDelay
    for (;;) {
      const config = this.#config
      const update = this.#deps.queue.peek()
      if (this.#closed || !config || !update) return
      const generation = this.#generation
      const failure = await this.#deliver(config, update, retry.timeoutMs ?? 60_000)
      if (generation !== this.#generation) {
        // The webhook changed meanwhile; a success still counts as delivered.
        if (failure === undefined) this.#deps.queue.delivered(update)
        delay = initialDelay
        continue
      }
      if (failure === undefined) {
        this.#deps.queue.delivered(update)
        delay = initialDelay
        continue
      }
      this.#lastError = { date: toUnixSeconds(this.#deps.clock()), message: failure }
      this.#deps.logger.warn(
        { updateId: update.update_id, error: failure, retryInMs: delay },
        'sandbox webhook delivery failed',
      )
      await this.#pause(delay)
      delay = Math.min(delay * 2, maxDelay)
    }
  }

  /** Posts one update; returns undefined on a 2xx, else Telegram's `last_error_message`. */
  async #deliver(config: WebhookConfig, update: QueuedUpdate, timeoutMs: number): Promise<string | undefined> {
    const abort = new AbortController()
    this.#abort = abort
    const timer = setTimeout(() => {
      abort.abort()
    }, timeoutMs)
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (config.secretToken !== undefined) headers['x-telegram-bot-api-secret-token'] = config.secretToken
      const response = await fetch(config.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(update),
        signal: abort.signal,
      })
      const body = await response.text()
      if (response.status < 200 || response.status > 299) {
        return `Wrong response from the webhook: ${String(response.status)} ${response.statusText}`.trim()
      }
      await this.#runReply(body)
      return undefined
    } catch (err) {
      if (abort.signal.aborted) return 'Read timeout expired'
      const cause = (err as { cause?: { code?: unknown } }).cause
      return cause?.code === 'ECONNREFUSED' ? 'Connection refused' : `Connection failed: ${(err as Error).message}`
    } finally {
      clearTimeout(timer)
      if (this.#abort === abort) this.#abort = undefined
    }
  }

  /** Telegram runs a method that a webhook answers with; grammY does so only when told to. */
  async #runReply(body: string): Promise<void> {
    if (!this.#deps.replyMethod || body.trim() === '') return
    let parsed: unknown
    try {
      parsed = JSON.parse(body)
    } catch {
      return
    }
    if (typeof parsed !== 'object' || parsed === null) return
    const { method, ...params } = parsed as Record<string, unknown>
    if (typeof method !== 'string') return
    try {
      await this.#deps.replyMethod(method, params)
    } catch (err) {
      this.#deps.logger.debug({ err, method }, 'sandbox webhook reply method failed')
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        this.#sleep = undefined
        resolve()
      }
      const timer = setTimeout(wake, ms)
      this.#sleep = { timer, wake }
    })
  }

  #wakeSleeper(): void {
    this.#sleep?.wake()
  }
}

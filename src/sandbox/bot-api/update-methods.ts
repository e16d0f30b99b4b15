import { badRequest, BotApiError } from '../errors.js'
import type { BotApiMethod } from './context.js'
import type { Params } from './params.js'
import { secondsToMs } from '../../time.js'

const WEBHOOK_ACTIVE =
  "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
const SECRET_TOKEN = /^[A-Za-z0-9_-]{1,256}$/

/** `allowed_updates` as sent, if it was. */
function readAllowedUpdates(params: Params): string[] | undefined {
  const value = params.json('allowed_updates', badRequest("can't parse allowed updates JSON object"))
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw badRequest("can't parse allowed updates JSON object")
  return value as string[]
}

/** Receiving updates: long polling and webhooks. */
export const updateMethods: Readonly<Record<string, BotApiMethod>> = {
  getUpdates: async (params, context, signal) => {
    context.polls.terminate()
    if (context.webhook.active()) throw new BotApiError(409, WEBHOOK_ACTIVE)
    const offset = params.integer('offset') ?? 0
    const limit = Math.min(100, Math.max(1, params.integer('limit') ?? 100))
    const timeout = Math.max(0, params.integer('timeout') ?? 0)
    const allowed = readAllowedUpdates(params)
    if (allowed !== undefined) context.queue.allowedUpdates = allowed
    context.queue.confirm(offset)
    if (context.queue.size === 0 && timeout > 0) await context.polls.wait(secondsToMs(timeout), signal)
    if (context.webhook.active()) throw new BotApiError(409, WEBHOOK_ACTIVE)
    return context.queue.take(limit)
  },

  setWebhook: (params, context) => {
    const url = params.string('url') ?? ''
    if (url === '') {
      context.webhook.clear()
      if (params.boolean('drop_pending_updates') === true) context.queue.clear()
      return true
    }
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      throw badRequest('bad webhook: An HTTPS URL must be provided for webhook')
    }
    // Telegram wants https; the emulator also takes http, for a bot on localhost.
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
      throw badRequest('bad webhook: An HTTPS URL must be provided for webhook')
    const secretToken = params.string('secret_token')
    if (secretToken !== undefined && secretToken !== '' && !SECRET_TOKEN.test(secretToken)) {
      throw badRequest('secret token contains unallowed characters')
    }
    const maxConnections = params.integer('max_connections') ?? 40
    if (maxConnections < 1 || maxConnections > 100)
      throw badRequest('bad webhook: max_connections must be between 1 and 100')
    const allowed = readAllowedUpdates(params)
    if (allowed !== undefined) context.queue.allowedUpdates = allowed
    if (params.boolean('drop_pending_updates') === true) context.queue.clear()
    context.polls.terminate(new BotApiError(409, 'Conflict: terminated by setWebhook request'))
    context.webhook.set({
      url,
      secretToken: secretToken || undefined,
      maxConnections,
      ipAddress: params.string('ip_address'),
    })
    return true
  },

  deleteWebhook: (params, context) => {
    context.webhook.clear()
    if (params.boolean('drop_pending_updates') === true) context.queue.clear()
    return true
  },

  getWebhookInfo: (_params, context) => context.webhook.info(),
}

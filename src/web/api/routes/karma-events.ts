import { Router } from 'express'
import type { z } from 'zod'
import type { Store } from '../../../db/store.js'
import { KarmaError, type KarmaEventRequest, type MemberRef } from '../../../karma/events.js'
import { apiKeyOf } from '../auth.js'
import { ApiError } from '../errors.js'
import { type KarmaEventBody, karmaBatchSchema, karmaEventSchema, MAX_BATCH_EVENTS, type memberRefSchema, quickKarmaBatch, quickKarmaEvent } from '../schemas/requests.js'
import { karmaResultJson, sendJson } from '../serialize.js'
import { parseOr400 } from '../validate.js'

const STATUS = { invalid: 400, member_not_found: 404, idempotency_conflict: 409 } as const

/** The ledger's refusal as the API's error; in a batch, its field is prefixed with the event's place. */
function fromKarmaError(err: KarmaError, batch: boolean): ApiError {
  const at = batch && err.index !== undefined ? `events[${String(err.index)}]` : undefined
  const field = at === undefined ? err.field : err.field === undefined ? at : `${at}.${err.field}`
  const message = at === undefined ? err.message : `${at}: ${err.message}`
  return new ApiError(STATUS[err.code], err.code, message.endsWith('.') ? message : `${message}.`, { field, index: batch ? err.index : undefined })
}

function toMemberRef(ref: z.output<typeof memberRefSchema>): MemberRef {
  if (ref.telegramId !== undefined) return { telegramId: ref.telegramId }
  if (ref.externalId !== undefined) return { externalId: ref.externalId }
  throw new Error('the schema lets exactly one of telegramId and externalId through')
}

/** True when the body asks for a batch: an object with `events`. */
function isBatch(body: unknown): body is { events: unknown } {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && 'events' in body
}

/**
 * `POST /karma-events`: one event → `201 {event, member}` (`200`, the same body, on a replay);
 * `{"events": [...]}` → `{"results": [...]}`, all or nothing, `201` when any event is new.
 * Source `api`; the actor is the API key's name.
 */
export function karmaEventRoutes(store: Store): Router {
  const router = Router()

  router.post('/karma-events', async (req, res) => {
    const actor = apiKeyOf(res.locals).name
    const body: unknown = req.body
    const toRequest = (event: KarmaEventBody): KarmaEventRequest => ({
      member: toMemberRef(event.member),
      delta: event.delta,
      reason: event.reason,
      idempotencyKey: event.idempotencyKey,
      source: 'api',
      actor,
    })
    try {
      if (isBatch(body)) {
        // Counted before each event is checked, so an oversized batch is 413 whatever it holds.
        if (Array.isArray(body.events) && body.events.length > MAX_BATCH_EVENTS) {
          throw new ApiError(413, 'batch_too_large', `A batch holds at most ${String(MAX_BATCH_EVENTS)} events; this one has ${String(body.events.length)}. Split it.`, { field: 'events' })
        }
        const events = quickKarmaBatch(body) ?? parseOr400(karmaBatchSchema, body).events
        const results = await store.karma.appendBatch(events.map(toRequest))
        sendJson(res, results.some((r) => !r.replayed) ? 201 : 200, { results: results.map((r) => ({ ...karmaResultJson(r), replayed: r.replayed })) })
        return
      }
      const result = await store.karma.append(toRequest(quickKarmaEvent(body) ?? parseOr400(karmaEventSchema, body)))
      sendJson(res, result.replayed ? 200 : 201, karmaResultJson(result))
    } catch (err) {
      if (err instanceof KarmaError) throw fromKarmaError(err, isBatch(body))
      throw err
    }
  })

  return router
}

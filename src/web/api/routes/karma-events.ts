import type { Logger } from 'pino'
import type { Store } from '../../../db/store.js'
import { appendKarmaEvent, appendKarmaEvents } from '../../../karma/append.js'
import { KarmaError } from '../../../karma/events.js'
import { karmaBatchEnvelopeSchema, MAX_BATCH_EVENTS } from '../../../karma/schema.js'
import { pathOf } from '../../../http/request.js'
import { sendJson } from '../../../http/respond.js'
import type { FastRoute } from '../../fast-lane.js'
import type { ApiGate } from '../auth.js'
import { answerApiError, ApiError } from '../errors.js'
import { readApiBody } from '../json-body.js'
import { karmaResultJson } from '../serialize.js'
import { parseOr400 } from '../validate.js'
import { applySecurityHeaders, type SecurityHeaderList } from '../../security-headers.js'

const STATUS = { invalid: 400, member_not_found: 404, idempotency_conflict: 409 } as const

/** The ledger's refusal as the API's error; in a batch, its field is prefixed with the event's place. */
function fromKarmaError(err: KarmaError, batch: boolean): ApiError {
  const at = batch && err.index !== undefined ? `events[${String(err.index)}]` : undefined
  const field = at === undefined ? err.field : err.field === undefined ? at : `${at}.${err.field}`
  // An invalid field reads as the schema says it: `events[3].delta must be …`.
  const message =
    err.problem !== undefined
      ? `${field ?? 'The body'} ${err.problem}`
      : at === undefined
        ? err.message
        : `${at}: ${err.message}`
  return new ApiError(STATUS[err.code], err.code, message.endsWith('.') ? message : `${message}.`, {
    field,
    index: batch ? err.index : undefined,
  })
}

/** True when the body asks for a batch: an object with `events`. */
function isBatch(body: unknown): body is { events: unknown } {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && 'events' in body
}

/**
 * The ledger's answer to a `POST /karma-events` body: one event → `201 {event, member}` (`200`,
 * the same body, on a replay); `{"events": [...]}` → `{"results": [...]}`, all or nothing, `201`
 * when any event is new. Source `api`; the actor is the API key's name. Refusals are thrown as
 * `ApiError`s.
 */
async function appendFromBody(
  store: Store,
  actor: string,
  body: unknown,
): Promise<{ readonly status: 200 | 201; readonly json: unknown }> {
  const origin = { source: 'api', actor } as const
  try {
    if (isBatch(body)) {
      // Counted before each event is checked, so an oversized batch is 413 whatever it holds.
      if (Array.isArray(body.events) && body.events.length > MAX_BATCH_EVENTS) {
        throw new ApiError(
          413,
          'batch_too_large',
          `A batch holds at most ${String(MAX_BATCH_EVENTS)} events; this one has ${String(body.events.length)}. Split it.`,
          { field: 'events' },
        )
      }
      const results = await appendKarmaEvents(store, origin, parseOr400(karmaBatchEnvelopeSchema, body).events)
      return {
        status: results.some((r) => !r.replayed) ? 201 : 200,
        json: { results: results.map((r) => ({ ...karmaResultJson(r), replayed: r.replayed })) },
      }
    }
    const result = await appendKarmaEvent(store, origin, body)
    return { status: result.replayed ? 200 : 201, json: karmaResultJson(result) }
  } catch (err) {
    if (err instanceof KarmaError) throw fromKarmaError(err, isBatch(body))
    throw err
  }
}

/** What {@link karmaEventsRoute} needs: what the API router gets for the same work. */
export interface KarmaEventsRouteDeps {
  readonly store: Store
  readonly logger: Logger
  /** The API's key check and per-key limit, shared with its router. */
  readonly gate: ApiGate
  /** The site's security headers, on every answer as on every other route. */
  readonly securityHeaders: SecurityHeaderList
  /** The largest body, in bytes. */
  readonly maxBodyBytes: number
}

/**
 * `POST /api/v1/karma-events`, served ahead of Express (see `fast-lane.ts`) whatever the body's
 * framing, with the API router's gate, body reader and error writer, in the router's order:
 * key, limit, body, ledger.
 */
export function karmaEventsRoute(deps: KarmaEventsRouteDeps): FastRoute {
  const { store, logger, gate, securityHeaders, maxBodyBytes } = deps
  return {
    method: 'POST',
    path: '/api/v1/karma-events',
    handle: async (req, res) => {
      applySecurityHeaders(res, securityHeaders)
      res.setHeader('Cache-Control', 'no-store')
      try {
        const key = await gate.admit(req, res)
        const body = await readApiBody(req, maxBodyBytes)
        const { status, json } = await appendFromBody(store, key.name, body)
        sendJson(res, status, json)
      } catch (error) {
        if (res.headersSent) throw error
        answerApiError(req, res, error, logger, pathOf(req))
      }
      return true
    },
  }
}

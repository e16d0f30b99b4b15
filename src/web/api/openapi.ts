import { z } from 'zod'
import { karmaBatchSchema, karmaEventSchema, MAX_BATCH_EVENTS } from '../../karma/schema.js'
import { groupsBodySchema, linkTokenBodySchema } from './schemas/requests.js'
import {
  errorJson,
  karmaBatchResultJson,
  karmaEventResultJson,
  linkTokenJson,
  memberJson,
} from './schemas/responses.js'

/** A JSON document, as `GET /api/v1/openapi.json` serves it. */
export type JsonObject = { readonly [key: string]: unknown }

/** The zod schemas behind `components.schemas`, by name: requests validate with them too. */
const SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  KarmaEventRequest: karmaEventSchema,
  KarmaBatchRequest: karmaBatchSchema,
  GroupsRequest: groupsBodySchema,
  LinkTokenRequest: linkTokenBodySchema,
  KarmaEventResult: karmaEventResultJson,
  KarmaBatchResult: karmaBatchResultJson,
  Member: memberJson,
  LinkToken: linkTokenJson,
  Error: errorJson,
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const json = (schema: JsonObject) => ({ content: { 'application/json': { schema } } })
const answer = (description: string, schema: JsonObject) => ({ description, ...json(schema) })
const problem = (name: string) => ({ $ref: `#/components/responses/${name}` })

/** JSON Schema 2020-12 for each of {@link SCHEMAS}, with references between them. */
function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>()
  for (const [id, schema] of Object.entries(SCHEMAS)) registry.add(schema, { id })
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}`, io: 'input' })
  // Each is embedded in this document: its own `$schema` and `$id` would only confuse tools.
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]))
}

const telegramIdParam = {
  name: 'telegramId',
  in: 'path',
  required: true,
  schema: { type: 'integer', minimum: 1 },
  description: "The member's Telegram user id.",
}
const externalIdParam = {
  name: 'externalId',
  in: 'path',
  required: true,
  schema: { type: 'string', minLength: 1, maxLength: 100 },
  description: "The existing site's id for the member, URL-encoded.",
}
const readErrors = {
  '400': problem('Invalid'),
  '401': problem('Unauthorized'),
  '404': problem('NotFound'),
  '429': problem('RateLimited'),
}
const writeErrors = { ...readErrors, '413': problem('TooLarge'), '415': problem('NotJson') }

const getMember = (summary: string, parameter: JsonObject) => ({
  summary,
  parameters: [parameter],
  responses: { '200': answer('The member.', ref('Member')), ...readErrors },
})
const putGroups = (summary: string, parameter: JsonObject, creates: string) => ({
  summary,
  description: `Replaces the member's groups; chats they may join follow at once. An unknown slug is 400 \`unknown_group\` and changes nothing. ${creates}`,
  parameters: [parameter],
  requestBody: { required: true, ...json(ref('GroupsRequest')) },
  responses: { '200': answer('The member, with their new groups.', ref('Member')), ...writeErrors },
})

const DESCRIPTION = `The REST API of karmagate, for an existing website: push karma, read members, set their groups, link accounts.

**Auth**: \`Authorization: Bearer kg_…\` (keys are created on the admin site or with \`karmagate api-key:create NAME\`). Each key may send a limited number of requests a minute; past it, 429 with \`Retry-After\`.

**Errors** are \`{"error": {"code", "message", "field"?, "index"?}}\`: 400 invalid (\`field\` names it), 401 no or bad key, 404, 409 idempotency conflict, 413 batch over ${String(MAX_BATCH_EVENTS)} events or body too large, 415 not JSON, 429 rate limited. Retry 429 and 5xx with backoff; the idempotency key makes a retried event safe.

**Account linking**: \`POST /link-tokens\` with the site's user id gives a URL valid for 10 minutes. Send that logged-in user there: karmagate has them log in with Telegram (or, if they are logged in, links at once) and attaches the external id to their Telegram member, merging karma pushed earlier by external id. If the id is already linked to another Telegram account, the page refuses (409) and changes nothing. Afterwards the member can be addressed by \`/members/external/{externalId}\`.`

/** The OpenAPI 3.1 document of `/api/v1`, for a site served at `publicUrl`. */
export function openApiDocument(publicUrl: string): JsonObject {
  const error = (description: string, extra: JsonObject = {}) => ({ description, ...extra, ...json(ref('Error')) })
  return {
    openapi: '3.1.0',
    info: { title: 'karmagate API', version: '1.0.0', description: DESCRIPTION },
    servers: [{ url: `${publicUrl}/api/v1` }],
    security: [{ apiKey: [] }],
    paths: {
      '/karma-events': {
        post: {
          summary: 'Push one karma event, or a batch',
          description: `One event: \`201 {event, member}\`, or \`200\` with the same body when its idempotency key was used for the same event before (409 for a different one). A batch \`{"events": [...]}\` of 1 to ${String(MAX_BATCH_EVENTS)} is applied in order, all or nothing: a refused event fails the whole batch with an error naming its \`index\`. An unknown \`telegramId\` is 404; an \`externalId\` nobody has yet creates that member, whose karma waits for them to link.`,
          requestBody: { required: true, ...json({ oneOf: [ref('KarmaEventRequest'), ref('KarmaBatchRequest')] }) },
          responses: {
            '200': answer('Every event had been recorded before (replays): the first results.', {
              oneOf: [ref('KarmaEventResult'), ref('KarmaBatchResult')],
            }),
            '201': answer('Recorded.', { oneOf: [ref('KarmaEventResult'), ref('KarmaBatchResult')] }),
            ...writeErrors,
            '409': problem('Conflict'),
          },
        },
      },
      '/members/{telegramId}': { get: getMember('A member, by Telegram id', telegramIdParam) },
      '/members/external/{externalId}': { get: getMember("A member, by the site's id", externalIdParam) },
      '/members/{telegramId}/groups': { put: putGroups("Set a member's groups, by Telegram id", telegramIdParam, '') },
      '/members/external/{externalId}/groups': {
        put: putGroups(
          "Set a member's groups, by the site's id",
          externalIdParam,
          'An external id nobody has yet creates that member, as a karma event does.',
        ),
      },
      '/link-tokens': {
        post: {
          summary: 'A URL that links a site user to their Telegram account',
          requestBody: { required: true, ...json(ref('LinkTokenRequest')) },
          responses: { '201': answer('Send the user to `url` before `expiresAt`.', ref('LinkToken')), ...writeErrors },
        },
      },
      '/openapi.json': {
        get: {
          summary: 'This document',
          security: [],
          responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': {} } } },
        },
      },
    },
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key, `kg_` and 43 characters.' },
      },
      schemas: componentSchemas(),
      responses: {
        Invalid: error('Invalid request: `field` names what is wrong (`invalid`, `invalid_json`, `unknown_group`).'),
        Unauthorized: error(
          'No API key (`missing_api_key`), or a malformed, unknown or revoked one (`invalid_api_key`).',
        ),
        NotFound: error('No such member (`member_not_found`) or path (`not_found`).'),
        Conflict: error('The idempotency key was used for a different event (`idempotency_conflict`).'),
        TooLarge: error(
          `More than ${String(MAX_BATCH_EVENTS)} events (\`batch_too_large\`), or a body over the size limit (\`payload_too_large\`).`,
        ),
        NotJson: error('The body is not `application/json` (`unsupported_media_type`).'),
        RateLimited: error('Too many requests with this key (`rate_limited`): wait `Retry-After` seconds.', {
          headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait.' } },
        }),
      },
    },
  }
}

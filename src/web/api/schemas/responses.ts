import { z } from 'zod'

// What the API answers. These schemas are never used to parse: they type the serializers and
// describe the answers in the OpenAPI document, so the two cannot drift apart.

const nullableString = (description: string) => z.string().nullable().meta({ description })
const timestamp = (description: string) => z.iso.datetime().meta({ description })

/** A karma event as stored. */
export const karmaEventJson = z.object({
  id: z.int().meta({ description: "The event's id in karmagate's ledger." }),
  delta: z.int(),
  reason: z.string(),
  source: z.enum(['admin', 'api', 'bot']).meta({ description: 'Where it came from: `api` for this API.' }),
  actor: z.string().meta({ description: 'Who sent it: for this API, the name of the API key.' }),
  idempotencyKey: z.string(),
  karmaAfter: z.int().meta({ description: "The member's karma right after this event." }),
  createdAt: timestamp('When the event was first recorded (a replay keeps this).'),
})

/** The member a karma event changed, with their karma after it. */
export const karmaMemberJson = z.object({
  telegramId: z.int().nullable().meta({ description: 'Null until the member links Telegram.' }),
  externalId: nullableString("The existing site's id, once known."),
  karma: z.int().meta({ description: "The member's karma right after this event." }),
})

/** The answer to one karma event: `201` the first time, `200` (the same body) on a replay. */
export const karmaEventResultJson = z.object({ event: karmaEventJson, member: karmaMemberJson })

/** The answer to a batch: one result per event, in order. */
export const karmaBatchResultJson = z.object({
  results: z.array(
    karmaEventResultJson.extend({
      replayed: z.boolean().meta({ description: 'True when this idempotency key had been used before.' }),
    }),
  ),
})

/** A member, as `GET /members/…` and `PUT /members/…/groups` answer. */
export const memberJson = z.object({
  telegramId: z
    .int()
    .nullable()
    .meta({ description: 'Null for a member the site created by external id who has not linked Telegram yet.' }),
  externalId: nullableString("The existing site's id, once linked or used."),
  username: nullableString('Telegram username, without @.'),
  firstName: nullableString('From Telegram; null until the member logs in.'),
  lastName: nullableString('From Telegram.'),
  karma: z.int(),
  groups: z.array(z.string()).meta({ description: 'Slugs of the groups the member belongs to, sorted.' }),
  chats: z
    .array(z.object({ title: z.string(), state: z.enum(['eligible', 'invited', 'member', 'removed']) }))
    .meta({ description: 'The private chats the member may join (eligible, invited) or is in (member).' }),
})

/** A link for account linking. */
export const linkTokenJson = z.object({
  url: z.url().meta({ description: "Send the site's logged-in user here (a redirect or a link)." }),
  expiresAt: timestamp('After this the URL is refused with 410; ask for a new one.'),
})

/** Every error. */
export const errorJson = z.object({
  error: z.object({
    code: z.string().meta({ description: 'Stable and machine-readable, e.g. `invalid`, `idempotency_conflict`.' }),
    message: z.string().meta({ description: 'For people; may change.' }),
    field: z.string().optional().meta({ description: 'The field at fault, e.g. `events[3].delta`.' }),
    index: z.int().optional().meta({ description: 'In a batch, the position of the refused event.' }),
  }),
})

/** The body of `201`/`200` from `POST /karma-events` with one event. */
export type KarmaEventResultJson = z.infer<typeof karmaEventResultJson>
/** The body of `POST /karma-events` with a batch. */
export type KarmaBatchResultJson = z.infer<typeof karmaBatchResultJson>
/** A member's body. */
export type MemberJson = z.infer<typeof memberJson>
/** The body of `POST /link-tokens`. */
export type LinkTokenJson = z.infer<typeof linkTokenJson>

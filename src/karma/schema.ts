import { z } from 'zod'
import { mustBeObject, says, textIssues } from '../schema-words.js'
import {
  KarmaError,
  type KarmaSource,
  type MemberRef,
  MAX_EXTERNAL_ID_LENGTH,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_KARMA_DELTA,
  MAX_REASON_LENGTH,
  type ValidKarmaEvent,
} from './events.js'

/**
 * The one schema of a karma event. The ledger checks every event against it (see
 * {@link parseKarmaEvent}); the REST API documents it (OpenAPI) from the same objects.
 */

const POSITIVE_ID = 'must be a positive integer'
const EXTERNAL_ID = `must be 1 to ${String(MAX_EXTERNAL_ID_LENGTH)} characters without surrounding spaces`
const DELTA = `must be a non-zero integer from -${String(MAX_KARMA_DELTA)} to ${String(MAX_KARMA_DELTA)}`
const REASON = `must be 1 to ${String(MAX_REASON_LENGTH)} characters, not only spaces`
const KEY = `must be 1 to ${String(MAX_IDEMPOTENCY_KEY_LENGTH)} printable ASCII characters without spaces`

/** A member's Telegram user id. */
export const telegramIdSchema = z
  .int({ error: says(POSITIVE_ID) })
  .positive(POSITIVE_ID)
  .meta({ description: "The member's Telegram user id.", examples: [123456789] })

/** The existing site's own id for a member. */
export const externalIdSchema = z
  .string({ error: says(EXTERNAL_ID) })
  .min(1, EXTERNAL_ID)
  .max(MAX_EXTERNAL_ID_LENGTH, EXTERNAL_ID)
  .refine((id) => id.trim() === id, EXTERNAL_ID)
  .superRefine(textIssues({}))
  .meta({ description: "The existing site's own id for the member (its user id).", examples: ['u-42'] })

/** Who an event is for, as the REST API names them: exactly one of a Telegram id and an external id. */
export const memberRefSchema = z
  .strictObject(
    { telegramId: telegramIdSchema.optional(), externalId: externalIdSchema.optional() },
    { error: mustBeObject },
  )
  .refine(
    (ref) => (ref.telegramId === undefined) !== (ref.externalId === undefined),
    'must have exactly one of telegramId and externalId',
  )
  .meta({
    description:
      'Who the event is for: `{"telegramId": 123}` (the member must have logged in or written to the bot, else 404) or `{"externalId": "u-42"}` (created without Telegram if new; merged into the Telegram member when they link).',
    oneOf: [{ required: ['telegramId'] }, { required: ['externalId'] }],
  })

const eventFields = {
  delta: z
    .int({ error: says(DELTA) })
    .min(-MAX_KARMA_DELTA, DELTA)
    .max(MAX_KARMA_DELTA, DELTA)
    .refine((delta) => delta !== 0, DELTA)
    .meta({ description: 'The change of karma; never 0.', not: { const: 0 }, examples: [10] }),
  reason: z
    .string({ error: says(REASON) })
    .max(MAX_REASON_LENGTH, REASON)
    // Before the trim, so a control character at either end is refused, not trimmed away.
    .superRefine(textIssues({ multiline: true, allowBlank: true }))
    .trim()
    .min(1, REASON)
    .meta({ description: 'Why, in words the member will read; trimmed.', examples: ['answer accepted'] }),
  idempotencyKey: z
    .string({ error: says(KEY) })
    .min(1, KEY)
    .max(MAX_IDEMPOTENCY_KEY_LENGTH, KEY)
    .regex(/^[\x21-\x7e]+$/, KEY)
    .meta({
      description:
        "The site's unique key for this event. Sending it again returns the first result (200); with a different event it is 409.",
      examples: ['site-991'],
    }),
}

/** One karma event, as the REST API takes it. */
export const karmaEventSchema = z.strictObject({ member: memberRefSchema, ...eventFields }, { error: mustBeObject })

/** Most events in one batch. */
export const MAX_BATCH_EVENTS = 1000

const batchOf = <T extends z.ZodType>(event: T) =>
  z.strictObject(
    {
      events: z
        .array(event, { error: says(`must be an array of 1 to ${String(MAX_BATCH_EVENTS)} events`) })
        .min(1, `must have 1 to ${String(MAX_BATCH_EVENTS)} events`)
        .max(MAX_BATCH_EVENTS, `must have 1 to ${String(MAX_BATCH_EVENTS)} events`),
    },
    { error: mustBeObject },
  )

/** Several karma events, applied all or nothing, in order (the REST API's batch body). */
export const karmaBatchSchema = batchOf(karmaEventSchema)

/**
 * {@link karmaBatchSchema}'s envelope alone: its events are then checked one by one, in order,
 * by {@link parseKarmaEvent}, which names the first one at fault.
 */
export const karmaBatchEnvelopeSchema = batchOf(z.unknown())

/** One karma event as admins and the bot may also give it: the member by our own id. */
const byOwnIdEventSchema = z.strictObject(
  {
    member: z.strictObject(
      { memberId: z.int({ error: says(POSITIVE_ID) }).positive(POSITIVE_ID) },
      { error: mustBeObject },
    ),
    ...eventFields,
  },
  { error: mustBeObject },
)

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** `['member', 'telegramId']` → `member.telegramId`. */
function fieldOf(path: readonly PropertyKey[]): string {
  let out = ''
  for (const part of path) {
    out += typeof part === 'number' ? `[${String(part)}]` : out === '' ? String(part) : `.${String(part)}`
  }
  return out
}

function refOf(member: { telegramId?: number; externalId?: string } | { memberId: number }): MemberRef {
  if ('memberId' in member) return { memberId: member.memberId }
  if (member.telegramId !== undefined) return { telegramId: member.telegramId }
  if (member.externalId !== undefined) return { externalId: member.externalId }
  throw new Error('the schema lets exactly one of telegramId and externalId through')
}

/**
 * Checks one karma event's fields (`member`, `delta`, `reason`, `idempotencyKey`) against the
 * schema: the REST API's form for `source` `api`; admins and the bot may also name the member by
 * our own id (`{memberId}`). Returns the event (its reason trimmed), or throws {@link KarmaError}
 * `invalid` naming the first field at fault.
 */
export function parseKarmaEvent(fields: unknown, source: KarmaSource, actor: string): ValidKarmaEvent {
  const byOwnId = source !== 'api' && isObject(fields) && isObject(fields.member) && 'memberId' in fields.member
  const result = byOwnId ? byOwnIdEventSchema.safeParse(fields) : karmaEventSchema.safeParse(fields)
  if (result.success) {
    const { member, delta, reason, idempotencyKey } = result.data
    return { member: refOf(member), delta, reason, idempotencyKey, source, actor } as ValidKarmaEvent
  }
  const issue = result.error.issues[0]
  if (issue?.code === 'unrecognized_keys') {
    const field = fieldOf([...issue.path, issue.keys[0] ?? ''])
    throw new KarmaError('invalid', `${field} is not a field of this request`, field, 'is not a field of this request')
  }
  const field = fieldOf(issue?.path ?? [])
  const problem = issue?.message ?? 'is not valid'
  throw new KarmaError(
    'invalid',
    field === '' ? `The event ${problem}` : `${field} ${problem}`,
    field || undefined,
    problem,
  )
}

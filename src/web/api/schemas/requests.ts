import { z } from 'zod'
import {
  MAX_EXTERNAL_ID_LENGTH,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_KARMA_DELTA,
  MAX_REASON_LENGTH,
} from '../../../karma/events.js'
import { safeReturnPath } from '../../session.js'

/** Most events in one `POST /karma-events` batch; more is 413. @default 1000 */
export const MAX_BATCH_EVENTS = 1000
/** Most groups in one `PUT …/groups`. @default 100 */
export const MAX_GROUPS = 100

/** An error message that says `is required` when the field is missing, else `text`. */
const says =
  (text: string): z.core.$ZodErrorMap =>
  (issue) =>
    issue.input === undefined ? 'is required' : text

/** For objects: a clear word for a wrong type; zod's own message for everything else. */
const mustBeObject: z.core.$ZodErrorMap = (issue) =>
  issue.code === 'invalid_type' ? (issue.input === undefined ? 'is required' : 'must be a JSON object') : undefined

const TELEGRAM_ID = 'must be a positive integer'
const EXTERNAL_ID = `must be 1 to ${String(MAX_EXTERNAL_ID_LENGTH)} characters without surrounding spaces`
const DELTA = `must be a non-zero integer from -${String(MAX_KARMA_DELTA)} to ${String(MAX_KARMA_DELTA)}`
const REASON = `must be 1 to ${String(MAX_REASON_LENGTH)} characters, not only spaces`
const KEY = `must be 1 to ${String(MAX_IDEMPOTENCY_KEY_LENGTH)} printable ASCII characters without spaces`

/** A member's Telegram user id. */
export const telegramIdSchema = z
  .int({ error: says(TELEGRAM_ID) })
  .positive(TELEGRAM_ID)
  .meta({ description: "The member's Telegram user id.", examples: [123456789] })

/** The existing site's own id for a member. */
export const externalIdSchema = z
  .string({ error: says(EXTERNAL_ID) })
  .min(1, EXTERNAL_ID)
  .max(MAX_EXTERNAL_ID_LENGTH, EXTERNAL_ID)
  .refine((id) => id.trim() === id, EXTERNAL_ID)
  .meta({ description: "The existing site's own id for the member (its user id).", examples: ['u-42'] })

/** Who an event is for: exactly one of a Telegram id and an external id. */
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

/** One karma event, as the site sends it. */
export const karmaEventSchema = z.strictObject(
  {
    member: memberRefSchema,
    delta: z
      .int({ error: says(DELTA) })
      .min(-MAX_KARMA_DELTA, DELTA)
      .max(MAX_KARMA_DELTA, DELTA)
      .refine((delta) => delta !== 0, DELTA)
      .meta({ description: 'The change of karma; never 0.', not: { const: 0 }, examples: [10] }),
    reason: z
      .string({ error: says(REASON) })
      .min(1, REASON)
      .max(MAX_REASON_LENGTH, REASON)
      .refine((reason) => reason.trim() !== '', REASON)
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
  },
  { error: mustBeObject },
)

/** Several karma events, applied all or nothing, in order. */
export const karmaBatchSchema = z.strictObject(
  {
    events: z
      .array(karmaEventSchema, { error: says(`must be an array of 1 to ${String(MAX_BATCH_EVENTS)} events`) })
      .min(1, `must have 1 to ${String(MAX_BATCH_EVENTS)} events`)
      .max(MAX_BATCH_EVENTS, `must have 1 to ${String(MAX_BATCH_EVENTS)} events`),
  },
  { error: mustBeObject },
)

const GROUP_SLUG = 'must be a group slug such as "webmasters"'

/** A member's groups, replacing the ones they had. */
export const groupsBodySchema = z.strictObject(
  {
    groups: z
      .array(
        z
          .string({ error: says(GROUP_SLUG) })
          .min(1, GROUP_SLUG)
          .max(64, GROUP_SLUG),
        { error: says('must be an array of group slugs') },
      )
      .max(MAX_GROUPS, `must have at most ${String(MAX_GROUPS)} groups`)
      .meta({
        description: 'Every group the member belongs to, by slug; `[]` removes them from all.',
        examples: [['webmasters']],
      }),
  },
  { error: mustBeObject },
)

const RETURN_TO = 'must be a path on this site, such as /me'

/** A request for an account-linking URL. */
export const linkTokenBodySchema = z.strictObject(
  {
    externalId: externalIdSchema,
    returnTo: z
      .string({ error: RETURN_TO })
      .refine((path) => safeReturnPath(path) === path, RETURN_TO)
      .optional()
      .meta({ description: 'Where karmagate sends the member once linked. @default /me', examples: ['/me'] }),
  },
  { error: mustBeObject },
)

/** `{telegramId}` in a path: digits only, a positive safe integer. */
export const telegramIdParamSchema = z
  .string()
  .regex(/^[1-9][0-9]{0,15}$/, TELEGRAM_ID)
  .transform(Number)
  .pipe(z.int(TELEGRAM_ID))

/** What {@link karmaEventSchema} gives for a valid event. */
export type KarmaEventBody = z.output<typeof karmaEventSchema>

const PRINTABLE_ASCII = /^[\x21-\x7e]+$/
const EVENT_KEYS = new Set(['member', 'delta', 'reason', 'idempotencyKey'])

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * A quick check for an event {@link karmaEventSchema} certainly accepts, giving what it would
 * give; undefined for anything else, which then goes through the schema for its exact error.
 * A batch of 1,000 events through zod costs about as much as their idempotency lookups; this
 * costs a tenth of it. It may say undefined for a valid event, never accept an invalid one.
 */
export function quickKarmaEvent(value: unknown): KarmaEventBody | undefined {
  if (!isPlainObject(value)) return undefined
  const keys = Object.keys(value)
  if (keys.length !== EVENT_KEYS.size || !keys.every((key) => EVENT_KEYS.has(key))) return undefined
  const { member, delta, reason, idempotencyKey } = value
  if (!isPlainObject(member)) return undefined
  const memberKeys = Object.keys(member)
  if (memberKeys.length !== 1) return undefined
  let ref: KarmaEventBody['member']
  const { telegramId, externalId } = member
  if (memberKeys[0] === 'telegramId') {
    if (typeof telegramId !== 'number' || !Number.isSafeInteger(telegramId) || telegramId <= 0) return undefined
    ref = { telegramId }
  } else if (memberKeys[0] === 'externalId') {
    if (
      typeof externalId !== 'string' ||
      externalId.length < 1 ||
      externalId.length > MAX_EXTERNAL_ID_LENGTH ||
      externalId.trim() !== externalId
    )
      return undefined
    ref = { externalId }
  } else {
    return undefined
  }
  if (
    typeof delta !== 'number' ||
    !Number.isSafeInteger(delta) ||
    delta === 0 ||
    delta < -MAX_KARMA_DELTA ||
    delta > MAX_KARMA_DELTA
  )
    return undefined
  if (typeof reason !== 'string' || reason.length < 1 || reason.length > MAX_REASON_LENGTH || reason.trim() === '')
    return undefined
  if (
    typeof idempotencyKey !== 'string' ||
    idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH ||
    !PRINTABLE_ASCII.test(idempotencyKey)
  )
    return undefined
  return { member: ref, delta, reason, idempotencyKey }
}

/** {@link quickKarmaEvent} for a whole `{"events": [...]}` body: every event, or undefined. */
export function quickKarmaBatch(value: unknown): KarmaEventBody[] | undefined {
  if (!isPlainObject(value)) return undefined
  const keys = Object.keys(value)
  if (keys.length !== 1 || keys[0] !== 'events') return undefined
  const { events } = value
  if (!Array.isArray(events) || events.length < 1 || events.length > MAX_BATCH_EVENTS) return undefined
  const out: KarmaEventBody[] = []
  for (const event of events as unknown[]) {
    const checked = quickKarmaEvent(event)
    if (!checked) return undefined
    out.push(checked)
  }
  return out
}

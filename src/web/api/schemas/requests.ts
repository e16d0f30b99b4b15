import { z } from 'zod'
import { externalIdSchema } from '../../../karma/schema.js'
import { mustBeObject, says } from '../../../schema-words.js'
import { safeReturnPath } from '../../session.js'

/** Most groups in one `PUT …/groups`. @default 100 */
export const MAX_GROUPS = 100

const TELEGRAM_ID = 'must be a positive integer'

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

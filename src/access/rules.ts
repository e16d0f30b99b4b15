/** A threshold: members of `groupId` (or everyone) with at least `minKarma` get into `chatId`. */
export interface Rule {
  readonly id: number
  /** null: every member. */
  readonly groupId: number | null
  readonly chatId: number
  readonly minKarma: number
  /** Members below this are removed; null never removes. At most {@link minKarma}. */
  readonly removeBelow: number | null
  readonly enabled: boolean
  /**
   * Members the bot cannot DM are added to the chat by the worker's account
   * (`channels.inviteToChannel`) instead of only finding the link on the site.
   */
  readonly directAdd: boolean
}

/** The fields of a new or edited rule. */
export interface RuleInput {
  readonly groupId: number | null
  readonly chatId: number
  readonly minKarma: number
  readonly removeBelow: number | null
  readonly enabled?: boolean
  /** @default false for a new rule; an edit without it keeps the rule's current value. */
  readonly directAdd?: boolean
}

/** A rule that cannot be stored as given; `field` names the culprit. */
export class RuleError extends Error {
  override readonly name = 'RuleError'
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message)
  }
}

/** The bound on thresholds, either way. */
export const MAX_THRESHOLD = 1_000_000_000

/** Checks a rule's numbers; throws {@link RuleError} with a sentence an admin can act on. */
export function validateRule(input: RuleInput): void {
  if (!Number.isSafeInteger(input.minKarma) || Math.abs(input.minKarma) > MAX_THRESHOLD) {
    throw new RuleError('Minimum karma must be a whole number.', 'minKarma')
  }
  if (input.removeBelow !== null) {
    if (!Number.isSafeInteger(input.removeBelow) || Math.abs(input.removeBelow) > MAX_THRESHOLD) {
      throw new RuleError('"Remove below" must be a whole number, or empty to never remove.', 'removeBelow')
    }
    if (input.removeBelow > input.minKarma) {
      throw new RuleError(
        '"Remove below" cannot be above the minimum karma: members would be removed right after joining.',
        'removeBelow',
      )
    }
  }
}

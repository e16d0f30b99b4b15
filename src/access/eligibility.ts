import type { Rule } from './rules.js'

/**
 * Who may be in a chat, written once. A rule *covers* a member with a Telegram id who is in its
 * group (or every such member, for a rule without one); it *admits* a covered member whose karma
 * reaches `minKarma`, and *keeps* one who is not below `removeBelow`. The gap between the two
 * lines is the hysteresis that keeps a −2 from removing someone who sits at the line.
 *
 * The set-based reconcile evaluates the same predicate in SQL (the `rule_eligibility` view of
 * migration 010); a property test holds the two to agreement.
 */

/** The parts of a rule the predicate reads. */
export type RuleLine = Pick<Rule, 'minKarma' | 'removeBelow'>

/** The parts of a member coverage reads. */
export interface CoveredMember {
  readonly telegramId: number | null
  readonly groupIds: readonly number[]
}

/** Whether an enabled `rule` applies to `member` at all. */
export function covers(rule: Pick<Rule, 'groupId' | 'enabled'>, member: CoveredMember): boolean {
  return rule.enabled && member.telegramId !== null && (rule.groupId === null || member.groupIds.includes(rule.groupId))
}

/** Whether a covered member with `karma` may get in. */
export function admits(rule: RuleLine, karma: number): boolean {
  return karma >= rule.minKarma
}

/** Whether a covered member with `karma` may stay in. */
export function keeps(rule: RuleLine, karma: number): boolean {
  return rule.removeBelow === null || karma >= rule.removeBelow
}

/** What a chat's rules say about one member. */
export interface Eligibility {
  /** Some enabled rule of the chat covers them and admits them. */
  readonly eligible: boolean
  /** Some enabled rule covers them and keeps them. */
  readonly keep: boolean
  /** The chat has at least one enabled rule (a chat with none is left alone). */
  readonly managed: boolean
  /** The lowest minimum karma among the rules that cover them, for messages; null when none does. */
  readonly minKarma: number | null
  readonly karma: number
  /** Some enabled rule that covers and admits them asks for direct add. */
  readonly directAdd: boolean
}

/**
 * The member's {@link Eligibility} in a chat, from the enabled rules of that chat that cover
 * them (`covering`), their karma, and whether the chat has any enabled rule (`managed`).
 */
export function eligibilityOf(params: {
  readonly karma: number
  readonly covering: readonly (RuleLine & Pick<Rule, 'directAdd'>)[]
  readonly managed: boolean
}): Eligibility {
  const { karma, covering, managed } = params
  let minKarma: number | null = null
  for (const rule of covering) minKarma = minKarma === null ? rule.minKarma : Math.min(minKarma, rule.minKarma)
  return {
    eligible: covering.some((rule) => admits(rule, karma)),
    keep: covering.some((rule) => keeps(rule, karma)),
    managed,
    minKarma,
    karma,
    directAdd: covering.some((rule) => rule.directAdd && admits(rule, karma)),
  }
}

/**
 * Whether a member who is in the chat may stay. One the bot let in (`approved`) needs only to be
 * kept (or admitted again); one who arrived without the bot (a leaked link, a manual add: see
 * `UNAPPROVED_JOIN_REASON`) must be admitted, as a join request would have required. A chat
 * no enabled rule manages is left alone.
 */
export function mayStay(eligibility: Eligibility, approved: boolean): boolean {
  if (!eligibility.managed) return true
  return approved ? eligibility.keep || eligibility.eligible : eligibility.eligible
}

/** Every line a member's karma can cross to change what some enabled rule says about them. */
export function thresholdsOf(rules: readonly RuleLine[]): number[] {
  const lines = new Set<number>()
  for (const rule of rules) {
    lines.add(rule.minKarma)
    if (rule.removeBelow !== null) lines.add(rule.removeBelow)
  }
  return [...lines]
}

/** Whether karma moving from `before` to `after` crosses one of `thresholds` (either way). */
export function crossesThreshold(thresholds: readonly number[], before: number, after: number): boolean {
  return thresholds.some((line) => before < line !== after < line)
}

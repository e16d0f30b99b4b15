/** `eligible → invited → member → removed`. */
export type MembershipState = 'eligible' | 'invited' | 'member' | 'removed'

/** A member's standing in one chat. */
export interface Membership {
  readonly memberId: number
  readonly chatId: number
  readonly state: MembershipState
  /** Why it is in that state, in words an admin reads. */
  readonly reason: string
  /** ms since the epoch. */
  readonly updatedAt: number
}

/**
 * The reason recorded for someone who joined a chat without the bot approving them (a leaked
 * link, a manual add): they must meet `min_karma`, not only stay above `remove_below`.
 */
export const UNAPPROVED_JOIN_REASON = 'joined without a request'

/** The reason of a member the worker's account added to a chat (direct add). */
export const ADDED_BY_ACCOUNT_REASON = 'added by the account'

/** The reason of an invited member whom the bot may not write to: the button waits on the site. */
export const LINK_ON_SITE_REASON = 'link on the site (the bot may not write to them)'

/** {@link LINK_ON_SITE_REASON}, while the worker's account is also asked to add them (direct add). */
export const DIRECT_ADD_QUEUED_REASON = `${LINK_ON_SITE_REASON}; the account will add them`

/** The reason of an eligible or invited member whom the rules no longer admit. */
export const NO_LONGER_ELIGIBLE_REASON = 'no longer eligible'

/** How the reason of a member whom a reconcile found newly admitted starts; their line follows. */
export const KARMA_REACHED_REASON_PREFIX = 'karma reached '

/** The reason of a member whom a reconcile found newly admitted at `minKarma`. */
export function karmaReachedReason(minKarma: number): string {
  return `${KARMA_REACHED_REASON_PREFIX}${String(minKarma)}`
}

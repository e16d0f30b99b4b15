import type { MembershipState } from '../access/membership.js'
import type { KarmaEvent } from '../karma/events.js'

/** The spread of karma over every member, from one scan of `users`. */
export interface KarmaRange {
  readonly members: number
  /** Lowest karma; null when there are no members. */
  readonly lowest: number | null
  /** Highest karma; null when there are no members. */
  readonly highest: number | null
}

/** Equal-width karma buckets: bucket `i` holds `origin + i·width ≤ karma < origin + (i+1)·width`. */
export interface KarmaBuckets {
  readonly origin: number
  readonly width: number
  /** Members per bucket, one entry per bucket (zeros included). */
  readonly counts: readonly number[]
}

/** A member's standing in one chat, with the chat's title, for the member's admin page. */
export interface MemberChat {
  readonly chatId: number
  readonly chatTitle: string
  readonly state: MembershipState
  readonly reason: string
  readonly updatedAt: number
}

/**
 * Read-only queries behind the admin site's dashboard and member pages. Aggregates run in
 * SQL, so a million members never cross into JavaScript one by one.
 */
export interface AdminStatsRepository {
  /** How many members there are and the lowest and highest karma among them. */
  karmaRange(): Promise<KarmaRange>

  /**
   * Counts members per karma bucket, bucketed by SQL (`GROUP BY`), for `bucketCount` buckets
   * of `width` starting at `origin`. Karma outside them is not counted.
   */
  karmaBuckets(origin: number, width: number, bucketCount: number): Promise<KarmaBuckets>

  /** A member's newest karma events, newest first. */
  recentKarmaEvents(memberId: number, limit: number): Promise<KarmaEvent[]>

  /** Every chat a member has a membership in, whatever its state. */
  memberChats(memberId: number): Promise<MemberChat[]>
}

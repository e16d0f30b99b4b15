import type { TelegramProfile } from './members.js'
import type { StoredSession } from './sessions.js'

/** Everything a verified Telegram login changes, applied by {@link LoginRepository.complete}. */
export interface CompletedLogin {
  /** The login's hash: recorded so the same signed URL cannot log in again. */
  readonly hash: string
  /** When Telegram signed it (its `auth_date`): with it, the record of a login is kept in date order. */
  readonly signedAt: number
  /** When the hash may be forgotten: once the signed URL would be too old anyway. */
  readonly hashExpiresAt: number
  readonly profile: TelegramProfile
  /** The new session, without its user id (filled in here). */
  readonly session: Omit<StoredSession, 'userId'>
  /** The visitor's previous session, ended here so a session id never survives a login. */
  readonly previousSessionIdHash: string | undefined
}

/** Why an external id could not be linked to a member. */
export type LinkRefusal =
  /** Another member, who has a Telegram id, already holds this external id. */
  | 'external_id_taken'
  /** The member already has a different external id. */
  | 'member_already_linked'

/** A link made (or found already made) by {@link LoginRepository.linkExternalId}. */
export interface LinkedExternalId {
  readonly memberId: number
  readonly externalId: string
  /** False when the member already had this external id: nothing was written. */
  readonly changed: boolean
  /**
   * The member known only by this external id (the site pushed karma before linking) that was
   * merged into this one and deleted, with the karma it brought; null when there was none.
   */
  readonly merged: { readonly memberId: number; readonly karma: number } | null
}

/** Outcome of {@link LoginRepository.linkExternalId}. */
export type LinkOutcome =
  ({ readonly ok: true } & LinkedExternalId) | { readonly ok: false; readonly reason: LinkRefusal }

/** Outcome of {@link LoginRepository.complete}. */
export type LoginCompletion =
  { readonly ok: true; readonly userId: number } | { readonly ok: false; readonly reason: 'replayed' }

/**
 * The one transaction of a login (replay record, member upsert, session rotation), and account
 * linking: an existing site's id attached to a Telegram member, which the member confirms
 * once logged in.
 */
export interface LoginRepository {
  /**
   * Applies a verified login atomically: either the hash is new and the member, the new session
   * and the end of the old one are all written, or (a replay) nothing is. Committed together
   * with the other logins of the same moment ({@link GroupCommit}); resolves once durable.
   */
  complete(login: CompletedLogin, now: number): Promise<LoginCompletion>

  /**
   * Attaches the existing site's `externalId` to a member, atomically. A member known only by
   * that id is merged into this one: its karma events, groups and memberships move over, its
   * karma is added (so `users.karma` still equals the sum of the ledger) and its empty row is
   * deleted. Refuses, changing nothing, when a member with a Telegram id holds the external id
   * or this member holds another one.
   */
  linkExternalId(memberId: number, externalId: string, now: number): Promise<LinkOutcome>

  /** Forgets login hashes whose URLs have expired; returns how many. */
  purgeExpired(now: number): Promise<number>
}

/** What the site keeps in a session besides who is logged in. */
export interface SessionData {
  /** Where to send the visitor after they log in: a local path. */
  returnTo?: string
}

/** A stored session, found by the keyed hash of its cookie id. */
export interface StoredSession {
  readonly idHash: string
  /** The logged-in member, or null for a visitor who only has somewhere to go back to. */
  readonly userId: number | null
  readonly data: SessionData
  readonly expiresAt: number
}

/** Server-side sessions. */
export interface SessionRepository {
  /** The live session with this id hash, if it exists and has not expired at `now`. */
  find(idHash: string, now: number): Promise<StoredSession | undefined>

  /** Stores a new session. */
  create(session: StoredSession, now: number): Promise<void>

  /** Ends a session; ending one that does not exist is not an error. */
  delete(idHash: string): Promise<void>

  /** Removes sessions expired at `now`; returns how many. */
  purgeExpired(now: number): Promise<number>
}

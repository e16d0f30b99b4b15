/** What the admin page shows about the MTProto worker. */
export interface WorkerState {
  /** The logged-in account's Telegram id; null until the worker has logged in. */
  readonly userId: number | null
  /** The account's name or `@username`, as the worker last saw it. */
  readonly userName: string | null
  readonly lastSeenAt: number | null
  readonly lastError: string | null
  readonly lastErrorAt: number | null
  /** While in the future, the worker runs no jobs (Telegram's PEER_FLOOD / USER_RESTRICTED). */
  readonly pausedUntil: number | null
  readonly pauseReason: string | null
}

/**
 * The QR code `worker:login` shows now: its `tg://login?token=…` link, which logs the worker in
 * for whoever scans it before `expiresAt`. Admins only, and never cached.
 */
export interface PendingLoginQr {
  readonly url: string
  readonly expiresAt: number
}

/** The worker's single state row and its log of created chats (for `CHATS_PER_DAY`). */
export interface WorkerStateRepository {
  read(): Promise<WorkerState>

  /** Records who the worker is logged in as, and that it is alive now. */
  recordSeen(userId: number, userName: string, now: number): Promise<void>

  recordError(message: string, now: number): Promise<void>

  /** Pauses the worker until `until`; `null` lifts the pause. */
  setPause(until: number | null, reason: string | null): Promise<void>

  /** Records the QR link `worker:login` shows now, replacing the one before (it rotates ~30 s). */
  recordLoginQr(url: string, expiresAt: number): Promise<void>

  /** Forgets the QR link: the login ended (logged in, failed or interrupted). */
  clearLoginQr(): Promise<void>

  /**
   * The QR link still valid at `now`, or null. An expired one left behind by a
   * killed `worker:login` is never returned, so it cannot be shown after its token lapsed.
   */
  pendingLoginQr(now: number): Promise<PendingLoginQr | null>

  /** Counts a created chat toward the rolling daily limit (once per chat). */
  recordChatCreated(chatId: number, now: number): Promise<void>

  /** Chats created after `since`, and the oldest of those creation times (when a slot frees). */
  chatsCreatedSince(since: number): Promise<{ count: number; oldest: number | null }>
}

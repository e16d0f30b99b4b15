import type { PendingLoginQr, WorkerState, WorkerStateRepository } from '../worker-state.js'
import type { GroupCommit } from './group-commit.js'
import type { SqliteDatabase } from './open.js'
import { fromUnixSeconds, toUnixSeconds } from '../../time.js'

interface Row {
  user_id: number | null
  user_name: string | null
  last_seen_at: number | null
  last_error: string | null
  last_error_at: number | null
  paused_until: number | null
  pause_reason: string | null
}

const fromStored = (seconds: number | null | undefined): number | null =>
  seconds === null || seconds === undefined ? null : fromUnixSeconds(seconds)

/** The worker's single state row and its log of created chats (for `CHATS_PER_DAY`). */
export class SqliteWorkerStateRepository implements WorkerStateRepository {
  private readonly s

  constructor(
    db: SqliteDatabase,
    /** Every write goes through it: batched, and never blocking the loop on another connection's lock. */
    private readonly writes: GroupCommit,
  ) {
    this.s = {
      read: db.prepare<[], Row>('SELECT * FROM worker_state WHERE id = 1'),
      seen: db.prepare<[{ userId: number; userName: string; now: number }]>(
        'UPDATE worker_state SET user_id = @userId, user_name = @userName, last_seen_at = @now WHERE id = 1',
      ),
      error: db.prepare<[string, number]>('UPDATE worker_state SET last_error = ?, last_error_at = ? WHERE id = 1'),
      pause: db.prepare<[number | null, string | null]>(
        'UPDATE worker_state SET paused_until = ?, pause_reason = ? WHERE id = 1',
      ),
      setQr: db.prepare<[string | null, number | null]>(
        'UPDATE worker_state SET login_qr_url = ?, login_qr_expires_at = ? WHERE id = 1',
      ),
      qr: db.prepare<[number], { url: string; expires_at: number }>(
        'SELECT login_qr_url AS url, login_qr_expires_at AS expires_at FROM worker_state WHERE id = 1 AND login_qr_url IS NOT NULL AND login_qr_expires_at > ?',
      ),
      created: db.prepare<[number, number]>(
        'INSERT OR IGNORE INTO worker_chat_creations (chat_id, created_at) VALUES (?, ?)',
      ),
      since: db.prepare<[number], { n: number; oldest: number | null }>(
        'SELECT count(*) AS n, min(created_at) AS oldest FROM worker_chat_creations WHERE created_at > ?',
      ),
    }
  }

  async read(): Promise<WorkerState> {
    const r = this.s.read.get()
    return {
      userId: r?.user_id ?? null,
      userName: r?.user_name ?? null,
      lastSeenAt: fromStored(r?.last_seen_at),
      lastError: r?.last_error ?? null,
      lastErrorAt: fromStored(r?.last_error_at),
      pausedUntil: fromStored(r?.paused_until),
      pauseReason: r?.pause_reason ?? null,
    }
  }

  /** Records who the worker is logged in as, and that it is alive now. */
  async recordSeen(userId: number, userName: string, now: number): Promise<void> {
    return this.writes.run(() => {
      this.s.seen.run({ userId, userName, now: toUnixSeconds(now) })
    })
  }

  async recordError(message: string, now: number): Promise<void> {
    return this.writes.run(() => {
      this.s.error.run(message, toUnixSeconds(now))
    })
  }

  /** Pauses the worker until `until`; `null` lifts the pause. */
  async setPause(until: number | null, reason: string | null): Promise<void> {
    return this.writes.run(() => {
      this.s.pause.run(until === null ? null : toUnixSeconds(until), reason)
    })
  }

  /** Records the QR link `worker:login` shows now, replacing the one before (it rotates ~30 s). */
  async recordLoginQr(url: string, expiresAt: number): Promise<void> {
    return this.writes.run(() => {
      this.s.setQr.run(url, toUnixSeconds(expiresAt))
    })
  }

  /** Forgets the QR link: the login ended (logged in, failed or interrupted). */
  async clearLoginQr(): Promise<void> {
    return this.writes.run(() => {
      this.s.setQr.run(null, null)
    })
  }

  /**
   * The QR link still valid at `now`, or null. An expired one left behind by a
   * killed `worker:login` is never returned, so it cannot be shown after its token lapsed.
   */
  async pendingLoginQr(now: number): Promise<PendingLoginQr | null> {
    const r = this.s.qr.get(toUnixSeconds(now))
    return r ? { url: r.url, expiresAt: fromUnixSeconds(r.expires_at) } : null
  }

  /** Counts a created chat toward the rolling daily limit (once per chat). */
  async recordChatCreated(chatId: number, now: number): Promise<void> {
    return this.writes.run(() => {
      this.s.created.run(chatId, toUnixSeconds(now))
    })
  }

  /** Chats created after `since`, and the oldest of those creation times (when a slot frees). */
  async chatsCreatedSince(since: number): Promise<{ count: number; oldest: number | null }> {
    const r = this.s.since.get(toUnixSeconds(since))
    return { count: r?.n ?? 0, oldest: fromStored(r?.oldest) }
  }
}

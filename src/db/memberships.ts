import type { AuditRepository } from './audit.js'
import type { JobRepository, NewJob } from './jobs.js'
import type { SqliteDatabase } from './open.js'

/**
 * The reason recorded for someone who joined a chat without the bot approving them (a leaked
 * link, a manual add): they must meet `min_karma`, not only stay above `remove_below`.
 */
export const UNAPPROVED_JOIN_REASON = 'joined without a request'

/** The reason recorded for a member the worker's account added to a chat (direct add). */
export const ADDED_BY_ACCOUNT_REASON = 'added by the account'

/** The reason of an invited member whom the bot may not write to: the button waits on the site. */
export const LINK_ON_SITE_REASON = 'link on the site (the bot may not write to them)'

/** {@link LINK_ON_SITE_REASON}, while the worker's account is also asked to add them (direct add). */
export const DIRECT_ADD_QUEUED_REASON = `${LINK_ON_SITE_REASON}; the account will add them`

/** `eligible → invited → member → removed`. */
export type MembershipState = 'eligible' | 'invited' | 'member' | 'removed'

/** A member's standing in one chat. */
export interface Membership {
  readonly memberId: number
  readonly chatId: number
  readonly state: MembershipState
  readonly reason: string
  readonly updatedAt: number
}

/** Whether the rules of a chat let a member in, and let them stay. */
export interface Eligibility {
  /** Some enabled rule of the chat covers them and their karma reaches its minimum. */
  readonly eligible: boolean
  /** Some enabled rule covers them and they are not below its `remove_below`. */
  readonly keep: boolean
  /** The chat has at least one enabled rule (a chat with none is left alone). */
  readonly managed: boolean
  /** The lowest minimum karma among the rules that cover them, for messages. */
  readonly minKarma: number | null
  readonly karma: number
  /** Some enabled rule that covers them and whose minimum they reach asks for direct add. */
  readonly directAdd: boolean
}

interface MembershipRow {
  user_id: number
  chat_id: number
  state: MembershipState
  reason: string
  updated_at: number
}

const toMembership = (r: MembershipRow): Membership => ({
  memberId: r.user_id,
  chatId: r.chat_id,
  state: r.state,
  reason: r.reason,
  updatedAt: r.updated_at,
})

/** A chat a member may join, with its link, for `/chats` and `/me`. */
export interface OpenChat {
  readonly chatId: number
  readonly title: string
  readonly inviteLink: string | null
  readonly state: MembershipState
}

/** Memberships, and the per-member eligibility check behind join requests and chat members. */
export class MembershipRepository {
  private readonly s
  private readonly inviteThenQueue
  private readonly addedByAccount
  private readonly addRefused
  private readonly queueAdds

  constructor(db: SqliteDatabase, jobs: JobRepository, audit: AuditRepository) {
    this.s = {
      get: db.prepare<[number, number], MembershipRow>('SELECT * FROM memberships WHERE user_id = ? AND chat_id = ?'),
      set: db.prepare<[{ memberId: number; chatId: number; state: MembershipState; reason: string; now: number }]>(
        `INSERT INTO memberships (user_id, chat_id, state, reason, updated_at) VALUES (@memberId, @chatId, @state, @reason, @now)
         ON CONFLICT (user_id, chat_id) DO UPDATE SET state = excluded.state, reason = excluded.reason, updated_at = excluded.updated_at`,
      ),
      eligibility: db.prepare<
        [{ memberId: number; chatId: number }],
        {
          eligible: number | null
          keep: number | null
          managed: number
          min_karma: number | null
          karma: number | null
          direct_add: number | null
        }
      >(
        `SELECT
           (SELECT max(u.karma >= r.min_karma) FROM rules r WHERE r.chat_id = @chatId AND r.enabled = 1
              AND (r.group_id IS NULL OR EXISTS (SELECT 1 FROM user_groups g WHERE g.user_id = u.id AND g.group_id = r.group_id))) AS eligible,
           (SELECT max(r.remove_below IS NULL OR u.karma >= r.remove_below) FROM rules r WHERE r.chat_id = @chatId AND r.enabled = 1
              AND (r.group_id IS NULL OR EXISTS (SELECT 1 FROM user_groups g WHERE g.user_id = u.id AND g.group_id = r.group_id))) AS keep,
           (SELECT min(r.min_karma) FROM rules r WHERE r.chat_id = @chatId AND r.enabled = 1
              AND (r.group_id IS NULL OR EXISTS (SELECT 1 FROM user_groups g WHERE g.user_id = u.id AND g.group_id = r.group_id))) AS min_karma,
           (SELECT max(r.direct_add) FROM rules r WHERE r.chat_id = @chatId AND r.enabled = 1 AND u.karma >= r.min_karma
              AND (r.group_id IS NULL OR EXISTS (SELECT 1 FROM user_groups g WHERE g.user_id = u.id AND g.group_id = r.group_id))) AS direct_add,
           EXISTS (SELECT 1 FROM rules r WHERE r.chat_id = @chatId AND r.enabled = 1) AS managed,
           u.karma AS karma
         FROM users u WHERE u.id = @memberId`,
      ),
      open: db.prepare<
        [number],
        { chat_id: number; title: string; invite_link: string | null; state: MembershipState }
      >(
        `SELECT m.chat_id, c.title, c.invite_link, m.state FROM memberships m JOIN chats c ON c.id = m.chat_id
         WHERE m.user_id = ? AND m.state IN ('eligible', 'invited', 'member') AND c.state = 'active' ORDER BY c.title`,
      ),
      countsByChat: db.prepare<[], { chat_id: number; state: MembershipState; n: number }>(
        'SELECT chat_id, state, count(*) AS n FROM memberships GROUP BY chat_id, state',
      ),
      // Also over a `chat_member` update that got here first: the add explains that arrival.
      added: db.prepare<[{ memberId: number; chatId: number; reason: string; unapproved: string; now: number }]>(
        `UPDATE memberships SET state = 'member', reason = @reason, updated_at = @now
         WHERE user_id = @memberId AND chat_id = @chatId
           AND (state IN ('eligible', 'invited') OR (state = 'member' AND reason = @unapproved))`,
      ),
      // Invited members of the chat with only the link (never tried) whom a direct-add rule lets
      // in: the worker's `member.add` job each (its shape is memberAddJobFor's in src/worker/).
      queueAdds: db.prepare<[{ chatId: number; linkOnSite: string; maxAttempts: number; nowMs: number; now: number }]>(
        `INSERT OR IGNORE INTO jobs (kind, owner, payload, dedupe_key, max_attempts, run_after, created_at, updated_at)
         SELECT 'member.add', 'worker', json_object('memberId', m.user_id, 'chatId', m.chat_id),
                'member.add:' || m.user_id || ':' || m.chat_id, @maxAttempts, @nowMs, @now, @now
         FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.chat_id = @chatId AND m.state = 'invited' AND m.reason = @linkOnSite AND u.can_dm = 0 AND u.telegram_id IS NOT NULL
           AND EXISTS (SELECT 1 FROM rules r WHERE r.chat_id = m.chat_id AND r.enabled = 1 AND r.direct_add = 1 AND u.karma >= r.min_karma
             AND (r.group_id IS NULL OR EXISTS (SELECT 1 FROM user_groups g WHERE g.user_id = u.id AND g.group_id = r.group_id)))`,
      ),
      markAddsQueued: db.prepare<[{ chatId: number; linkOnSite: string; queued: string; now: number }]>(
        `UPDATE memberships AS m SET reason = @queued, updated_at = @now
         WHERE m.chat_id = @chatId AND m.state = 'invited' AND m.reason = @linkOnSite
           AND EXISTS (SELECT 1 FROM jobs j WHERE j.dedupe_key = 'member.add:' || m.user_id || ':' || m.chat_id AND j.state IN ('queued', 'running'))`,
      ),
      refused: db.prepare<[{ memberId: number; chatId: number; reason: string; now: number }]>(
        `UPDATE memberships SET reason = @reason, updated_at = @now
         WHERE user_id = @memberId AND chat_id = @chatId AND state = 'invited'`,
      ),
    }
    const s = this.s
    this.inviteThenQueue = db.transaction(
      (p: { memberId: number; chatId: number; reason: string; job: NewJob; nowMs: number }) => {
        s.set.run({
          memberId: p.memberId,
          chatId: p.chatId,
          state: 'invited',
          reason: p.reason,
          now: Math.floor(p.nowMs / 1000),
        })
        jobs.enqueueSync(p.job, p.nowMs)
      },
    )
    this.addedByAccount = db.transaction(
      (p: {
        memberId: number
        chatId: number
        actor: string
        details: Record<string, unknown>
        now: number
      }): boolean => {
        const changed =
          s.added.run({
            memberId: p.memberId,
            chatId: p.chatId,
            reason: ADDED_BY_ACCOUNT_REASON,
            unapproved: UNAPPROVED_JOIN_REASON,
            now: p.now,
          }).changes === 1
        audit.recordSync({
          at: p.now,
          actor: p.actor,
          action: 'member.add',
          subject: `member:${String(p.memberId)}`,
          details: { chatId: p.chatId, ...p.details },
        })
        return changed
      },
    )
    this.queueAdds = db.transaction((chatId: number, nowMs: number): number => {
      const now = Math.floor(nowMs / 1000)
      const queued = s.queueAdds.run({ chatId, linkOnSite: LINK_ON_SITE_REASON, maxAttempts: 8, nowMs, now }).changes
      s.markAddsQueued.run({ chatId, linkOnSite: LINK_ON_SITE_REASON, queued: DIRECT_ADD_QUEUED_REASON, now })
      return queued
    })
    this.addRefused = db.transaction(
      (p: {
        memberId: number
        chatId: number
        reason: string
        actor: string
        details: Record<string, unknown>
        now: number
      }): boolean => {
        const changed =
          s.refused.run({ memberId: p.memberId, chatId: p.chatId, reason: p.reason, now: p.now }).changes === 1
        audit.recordSync({
          at: p.now,
          actor: p.actor,
          action: 'member.add_refused',
          subject: `member:${String(p.memberId)}`,
          details: { chatId: p.chatId, reason: p.reason, ...p.details },
        })
        return changed
      },
    )
  }

  async get(memberId: number, chatId: number): Promise<Membership | undefined> {
    const row = this.s.get.get(memberId, chatId)
    return row && toMembership(row)
  }

  /** Sets a member's state in a chat, with why. */
  async set(memberId: number, chatId: number, state: MembershipState, reason: string, now: number): Promise<void> {
    this.s.set.run({ memberId, chatId, state, reason, now })
  }

  /**
   * Marks a member `invited` with `reason` and queues `job` (the worker's direct add) in one
   * transaction, so a crash cannot leave an invited member whose add was never queued.
   * `nowMs` is milliseconds since the epoch (the job table's unit).
   */
  async inviteAndQueue(memberId: number, chatId: number, reason: string, job: NewJob, nowMs: number): Promise<void> {
    this.inviteThenQueue.immediate({ memberId, chatId, reason, job, nowMs })
  }

  /**
   * For a chat whose rule has just turned direct add on: queues the worker's `member.add` for every
   * member already invited there with only the link ({@link LINK_ON_SITE_REASON}: the bot may not
   * write to them, and no add was tried), whom a direct-add rule lets in, and marks them
   * {@link DIRECT_ADD_QUEUED_REASON}; one set-based transaction. A member Telegram refused before
   * has another reason and is not asked again. Resolves to the number of jobs queued.
   */
  async queueDirectAdds(chatId: number, nowMs: number): Promise<number> {
    return this.queueAdds.immediate(chatId, nowMs)
  }

  /**
   * The worker's account added the member to the chat: `member` with {@link ADDED_BY_ACCOUNT_REASON},
   * and an audit row (`member.add`), together. Idempotent; a member whom a `chat_member` update
   * already recorded as an unapproved arrival gets the real reason. Resolves whether it changed.
   */
  async recordAddedByAccount(
    memberId: number,
    chatId: number,
    actor: string,
    details: Record<string, unknown>,
    now: number,
  ): Promise<boolean> {
    return this.addedByAccount.immediate({ memberId, chatId, actor, details, now })
  }

  /**
   * Telegram refused the account's add: the member stays `invited` (the link on the site and in
   * `/chats` is their way in), `reason` says why, and an audit row (`member.add_refused`) is written.
   */
  async recordAddRefused(
    memberId: number,
    chatId: number,
    reason: string,
    actor: string,
    details: Record<string, unknown>,
    now: number,
  ): Promise<boolean> {
    return this.addRefused.immediate({ memberId, chatId, reason, actor, details, now })
  }

  /** What the chat's rules say about this member now. */
  async eligibility(memberId: number, chatId: number): Promise<Eligibility> {
    const row = this.s.eligibility.get({ memberId, chatId })
    return {
      eligible: row?.eligible === 1,
      keep: row?.keep === 1,
      managed: row?.managed === 1,
      minKarma: row?.min_karma ?? null,
      karma: row?.karma ?? 0,
      directAdd: row?.direct_add === 1,
    }
  }

  /** The active chats a member may join or is in. */
  async openChats(memberId: number): Promise<OpenChat[]> {
    return this.s.open
      .all(memberId)
      .map((r) => ({ chatId: r.chat_id, title: r.title, inviteLink: r.invite_link, state: r.state }))
  }

  /** Member counts per chat and state, for the admin dashboard. */
  async countsByChat(): Promise<{ chatId: number; state: MembershipState; count: number }[]> {
    return this.s.countsByChat.all().map((r) => ({ chatId: r.chat_id, state: r.state, count: r.n }))
  }
}

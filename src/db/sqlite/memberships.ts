import type { MembershipRepository, OpenChat } from '../memberships.js'
import {
  ADDED_BY_ACCOUNT_REASON,
  DIRECT_ADD_QUEUED_REASON,
  LINK_ON_SITE_REASON,
  type Membership,
  type MembershipState,
  UNAPPROVED_JOIN_REASON,
} from '../../access/membership.js'
import { type Eligibility, eligibilityOf } from '../../access/eligibility.js'
import type { NewAuditEntry } from '../../audit.js'
import { DEFAULT_MAX_ATTEMPTS, type NewJob } from '../../jobs/kinds.js'
import type { SqliteAuditRepository } from './audit.js'
import { INSERT_JOBS, memberChatDedupeKey, memberChatJobRow } from './job-sql.js'
import type { SqliteJobRepository } from './jobs.js'
import type { GroupCommit } from './group-commit.js'
import type { SqliteDatabase } from './open.js'
import { fromUnixSeconds, toUnixSeconds } from '../../time.js'

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
  updatedAt: fromUnixSeconds(r.updated_at),
})

/** Memberships, and the per-member eligibility check behind join requests and chat members. */
export class SqliteMembershipRepository implements MembershipRepository {
  private readonly s
  private readonly inviteThenQueue
  private readonly addedByAccount
  private readonly addRefused
  private readonly queueAdds

  constructor(
    db: SqliteDatabase,
    jobs: SqliteJobRepository,
    audit: SqliteAuditRepository,
    private readonly writes: GroupCommit,
  ) {
    this.s = {
      get: db.prepare<[number, number], MembershipRow>('SELECT * FROM memberships WHERE user_id = ? AND chat_id = ?'),
      set: db.prepare<[{ memberId: number; chatId: number; state: MembershipState; reason: string; now: number }]>(
        `INSERT INTO memberships (user_id, chat_id, state, reason, updated_at) VALUES (@memberId, @chatId, @state, @reason, @now)
         ON CONFLICT (user_id, chat_id) DO UPDATE SET state = excluded.state, reason = excluded.reason, updated_at = excluded.updated_at`,
      ),
      covering: db.prepare<
        [{ memberId: number; chatId: number }],
        { min_karma: number; remove_below: number | null; direct_add: number }
      >(
        'SELECT min_karma, remove_below, direct_add FROM rule_coverage WHERE user_id = @memberId AND chat_id = @chatId',
      ),
      managed: db
        .prepare<[number], number>('SELECT EXISTS (SELECT 1 FROM rules WHERE chat_id = ? AND enabled = 1)')
        .pluck(),
      karma: db.prepare<[number], number>('SELECT karma FROM users WHERE id = ?').pluck(),
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
      // Invited members of the chat with only the link (never tried) whom a direct-add rule admits:
      // the worker's `member.add` job each.
      queueAdds: db.prepare<[{ chatId: number; linkOnSite: string; maxAttempts: number; nowMs: number; now: number }]>(
        `${INSERT_JOBS}
         SELECT ${memberChatJobRow('member.add', 'm.user_id', 'm.chat_id')}
         FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.chat_id = @chatId AND m.state = 'invited' AND m.reason = @linkOnSite AND u.can_dm = 0 AND u.telegram_id IS NOT NULL
           AND EXISTS (SELECT 1 FROM rule_eligibility e
             WHERE e.chat_id = m.chat_id AND e.user_id = m.user_id AND e.eligible = 1 AND e.direct_add = 1)`,
      ),
      markAddsQueued: db.prepare<[{ chatId: number; linkOnSite: string; queued: string; now: number }]>(
        `UPDATE memberships AS m SET reason = @queued, updated_at = @now
         WHERE m.chat_id = @chatId AND m.state = 'invited' AND m.reason = @linkOnSite
           AND EXISTS (SELECT 1 FROM jobs j WHERE j.dedupe_key = ${memberChatDedupeKey('member.add', 'm.user_id', 'm.chat_id')}
             AND j.state IN ('queued', 'running'))`,
      ),
      refused: db.prepare<[{ memberId: number; chatId: number; reason: string; now: number }]>(
        `UPDATE memberships SET reason = @reason, updated_at = @now
         WHERE user_id = @memberId AND chat_id = @chatId AND state = 'invited'`,
      ),
    }
    const s = this.s
    this.inviteThenQueue = db.transaction(
      (p: { memberId: number; chatId: number; reason: string; job: NewJob; now: number }) => {
        s.set.run({
          memberId: p.memberId,
          chatId: p.chatId,
          state: 'invited',
          reason: p.reason,
          now: toUnixSeconds(p.now),
        })
        jobs.enqueueSync(p.job, p.now)
      },
    )
    this.addedByAccount = db.transaction(
      (p: { memberId: number; chatId: number; audit: NewAuditEntry; now: number }): boolean => {
        const changed =
          s.added.run({
            memberId: p.memberId,
            chatId: p.chatId,
            reason: ADDED_BY_ACCOUNT_REASON,
            unapproved: UNAPPROVED_JOIN_REASON,
            now: toUnixSeconds(p.now),
          }).changes === 1
        audit.recordSync(p.audit)
        return changed
      },
    )
    this.queueAdds = db.transaction((chatId: number, nowMs: number): number => {
      const now = toUnixSeconds(nowMs)
      const queued = s.queueAdds.run({
        chatId,
        linkOnSite: LINK_ON_SITE_REASON,
        maxAttempts: DEFAULT_MAX_ATTEMPTS,
        nowMs,
        now,
      }).changes
      s.markAddsQueued.run({ chatId, linkOnSite: LINK_ON_SITE_REASON, queued: DIRECT_ADD_QUEUED_REASON, now })
      return queued
    })
    this.addRefused = db.transaction(
      (p: { memberId: number; chatId: number; reason: string; audit: NewAuditEntry; now: number }): boolean => {
        const changed =
          s.refused.run({ memberId: p.memberId, chatId: p.chatId, reason: p.reason, now: toUnixSeconds(p.now) })
            .changes === 1
        audit.recordSync(p.audit)
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
    return this.writes.run(() => {
      this.s.set.run({ memberId, chatId, state, reason, now: toUnixSeconds(now) })
    })
  }

  /**
   * Marks a member `invited` with `reason` and queues `job` (the worker's direct add) in one
   * transaction, so a crash cannot leave an invited member whose add was never queued.
   * `nowMs` is milliseconds since the epoch (the job table's unit).
   */
  async inviteAndQueue(memberId: number, chatId: number, reason: string, job: NewJob, now: number): Promise<void> {
    return this.writes.run(() => {
      this.inviteThenQueue.immediate({ memberId, chatId, reason, job, now })
    })
  }

  /**
   * For a chat whose rule has just turned direct add on: queues the worker's `member.add` for every
   * member already invited there with only the link ({@link LINK_ON_SITE_REASON}: the bot may not
   * write to them, and no add was tried), whom a direct-add rule lets in, and marks them
   * {@link DIRECT_ADD_QUEUED_REASON}; one set-based transaction. A member Telegram refused before
   * has another reason and is not asked again. Resolves to the number of jobs queued.
   */
  async queueDirectAdds(chatId: number, now: number): Promise<number> {
    return this.writes.run(() => {
      return this.queueAdds.immediate(chatId, now)
    })
  }

  /**
   * The worker's account added the member to the chat: `member` with {@link ADDED_BY_ACCOUNT_REASON},
   * and `audit` written, together. Idempotent; a member whom a `chat_member` update already
   * recorded as an unapproved arrival gets the real reason. Resolves whether it changed.
   */
  async recordAddedByAccount(memberId: number, chatId: number, audit: NewAuditEntry, now: number): Promise<boolean> {
    return this.writes.run(() => {
      return this.addedByAccount.immediate({ memberId, chatId, audit, now })
    })
  }

  /**
   * Telegram refused the account's add: the member stays `invited` (the link on the site and in
   * `/chats` is their way in), `reason` says why, and `audit` is written, together.
   */
  async recordAddRefused(
    memberId: number,
    chatId: number,
    reason: string,
    audit: NewAuditEntry,
    now: number,
  ): Promise<boolean> {
    return this.writes.run(() => {
      return this.addRefused.immediate({ memberId, chatId, reason, audit, now })
    })
  }

  /** What the chat's rules say about this member now. */
  async eligibility(memberId: number, chatId: number): Promise<Eligibility> {
    const covering = this.s.covering.all({ memberId, chatId }).map((r) => ({
      minKarma: r.min_karma,
      removeBelow: r.remove_below,
      directAdd: r.direct_add === 1,
    }))
    return eligibilityOf({
      karma: this.s.karma.get(memberId) ?? 0,
      covering,
      managed: this.s.managed.get(chatId) === 1,
    })
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

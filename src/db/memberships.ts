import type { SqliteDatabase } from './open.js'

/**
 * The reason recorded for someone who joined a chat without the bot approving them (a leaked
 * link, a manual add): they must meet `min_karma`, not only stay above `remove_below`.
 */
export const UNAPPROVED_JOIN_REASON = 'joined without a request'

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

  constructor(db: SqliteDatabase) {
    this.s = {
      get: db.prepare<[number, number], MembershipRow>('SELECT * FROM memberships WHERE user_id = ? AND chat_id = ?'),
      set: db.prepare<[{ memberId: number; chatId: number; state: MembershipState; reason: string; now: number }]>(
        `INSERT INTO memberships (user_id, chat_id, state, reason, updated_at) VALUES (@memberId, @chatId, @state, @reason, @now)
         ON CONFLICT (user_id, chat_id) DO UPDATE SET state = excluded.state, reason = excluded.reason, updated_at = excluded.updated_at`,
      ),
      eligibility: db.prepare<[{ memberId: number; chatId: number }], { eligible: number | null; keep: number | null; managed: number; min_karma: number | null; karma: number | null }>(
        `SELECT
           (SELECT max(u.karma >= r.min_karma) FROM rules r WHERE r.chat_id = @chatId AND r.enabled = 1
              AND (r.group_id IS NULL OR EXISTS (SELECT 1 FROM user_groups g WHERE g.user_id = u.id AND g.group_id = r.group_id))) AS eligible,
           (SELECT max(r.remove_below IS NULL OR u.karma >= r.remove_below) FROM rules r WHERE r.chat_id = @chatId AND r.enabled = 1
              AND (r.group_id IS NULL OR EXISTS (SELECT 1 FROM user_groups g WHERE g.user_id = u.id AND g.group_id = r.group_id))) AS keep,
           (SELECT min(r.min_karma) FROM rules r WHERE r.chat_id = @chatId AND r.enabled = 1
              AND (r.group_id IS NULL OR EXISTS (SELECT 1 FROM user_groups g WHERE g.user_id = u.id AND g.group_id = r.group_id))) AS min_karma,
           EXISTS (SELECT 1 FROM rules r WHERE r.chat_id = @chatId AND r.enabled = 1) AS managed,
           u.karma AS karma
         FROM users u WHERE u.id = @memberId`,
      ),
      open: db.prepare<[number], { chat_id: number; title: string; invite_link: string | null; state: MembershipState }>(
        `SELECT m.chat_id, c.title, c.invite_link, m.state FROM memberships m JOIN chats c ON c.id = m.chat_id
         WHERE m.user_id = ? AND m.state IN ('eligible', 'invited', 'member') AND c.state = 'active' ORDER BY c.title`,
      ),
      countsByChat: db.prepare<[], { chat_id: number; state: MembershipState; n: number }>(
        'SELECT chat_id, state, count(*) AS n FROM memberships GROUP BY chat_id, state',
      ),
    }
  }

  async get(memberId: number, chatId: number): Promise<Membership | undefined> {
    const row = this.s.get.get(memberId, chatId)
    return row && toMembership(row)
  }

  /** Sets a member's state in a chat, with why. */
  async set(memberId: number, chatId: number, state: MembershipState, reason: string, now: number): Promise<void> {
    this.s.set.run({ memberId, chatId, state, reason, now })
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
    }
  }

  /** The active chats a member may join or is in. */
  async openChats(memberId: number): Promise<OpenChat[]> {
    return this.s.open.all(memberId).map((r) => ({ chatId: r.chat_id, title: r.title, inviteLink: r.invite_link, state: r.state }))
  }

  /** Member counts per chat and state, for the admin dashboard. */
  async countsByChat(): Promise<{ chatId: number; state: MembershipState; count: number }[]> {
    return this.s.countsByChat.all().map((r) => ({ chatId: r.chat_id, state: r.state, count: r.n }))
  }
}

import type { ReconcileOptions, ReconcileReport, ReconcileRepository, ReconcileScope } from '../reconcile.js'
import { KARMA_REACHED_REASON_PREFIX, NO_LONGER_ELIGIBLE_REASON } from '../../access/membership.js'
import { DEFAULT_MAX_ATTEMPTS } from '../../jobs/kinds.js'
import { chatJobRow, INSERT_JOBS, memberChatJobRow } from './job-sql.js'
import type { GroupCommit } from './group-commit.js'
import type { SqliteDatabase } from './open.js'
import { toUnixSeconds } from '../../time.js'

/**
 * Rules, chats and memberships, and the reconcile that turns "who should be where" into jobs.
 * Reconcile is set-based SQL over the whole scope at once (no loop over members in JS), so a
 * rule change over a million members is a few statements.
 */
export class SqliteReconcileRepository implements ReconcileRepository {
  private readonly maxAttempts: number
  private readonly scopeInsert
  private readonly steps: {
    readonly chatsToCreate: (scope: ReconcileScope, p: StepParams) => number
    readonly candidates: (scope: ReconcileScope) => void
    readonly invites: (p: StepParams) => number
    readonly newlyEligible: (p: StepParams) => number
    readonly removals: (scope: ReconcileScope, p: StepParams) => number
    readonly withdrawn: (scope: ReconcileScope, p: StepParams) => number
  }

  constructor(
    private readonly db: SqliteDatabase,
    private readonly writes: GroupCommit,
    options: ReconcileOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS
    db.exec(`
      CREATE TEMP TABLE IF NOT EXISTS reconcile_scope (user_id INTEGER PRIMARY KEY);
      CREATE TEMP TABLE IF NOT EXISTS reconcile_candidates (
        user_id INTEGER NOT NULL, chat_id INTEGER NOT NULL, eligible INTEGER NOT NULL, keep INTEGER NOT NULL,
        min_karma INTEGER NOT NULL, PRIMARY KEY (user_id, chat_id)
      ) WITHOUT ROWID;
    `)
    this.scopeInsert = db.prepare<[number]>('INSERT OR IGNORE INTO temp.reconcile_scope (user_id) VALUES (?)')

    const eligibilityScope = (scope: ReconcileScope) =>
      scope.kind === 'members'
        ? 'AND e.user_id IN (SELECT user_id FROM temp.reconcile_scope)'
        : scope.kind === 'chat'
          ? 'AND e.chat_id = @chatId'
          : ''
    const membershipScope = (scope: ReconcileScope) =>
      scope.kind === 'members'
        ? 'AND m.user_id IN (SELECT user_id FROM temp.reconcile_scope)'
        : scope.kind === 'chat'
          ? 'AND m.chat_id = @chatId'
          : ''
    const cache = new Map<string, ReturnType<SqliteDatabase['prepare']>>()
    const run = (key: string, sql: string, params: Record<string, unknown>): number => {
      let statement = cache.get(key)
      if (!statement) {
        statement = db.prepare(sql)
        cache.set(key, statement)
      }
      const used = Object.fromEntries(Object.entries(params).filter(([name]) => sql.includes(`@${name}`)))
      return statement.run(used).changes
    }

    this.steps = {
      chatsToCreate: (scope, p) =>
        run(
          `chats:${scope.kind}`,
          `${INSERT_JOBS}
           SELECT ${chatJobRow('chat.create', 'c.id')}
           FROM chats c
           WHERE c.state = 'pending'
             AND EXISTS (SELECT 1 FROM rules r WHERE r.chat_id = c.id AND r.enabled = 1)
             ${scope.kind === 'chat' ? 'AND c.id = @chatId' : ''}`,
          { ...p, chatId: scope.kind === 'chat' ? scope.chatId : null },
        ),
      candidates: (scope) => {
        db.prepare('DELETE FROM temp.reconcile_candidates').run()
        // Everyone in scope whom an enabled rule of an active chat covers, with whether some rule
        // lets them in (eligible) and whether some rule lets them stay (keep).
        run(
          `candidates:${scope.kind}`,
          `INSERT INTO temp.reconcile_candidates (user_id, chat_id, eligible, keep, min_karma)
           SELECT e.user_id, e.chat_id, max(e.eligible), max(e.keep), min(e.min_karma)
           FROM rule_eligibility e
           WHERE e.chat_id IN (SELECT id FROM chats WHERE state = 'active') ${eligibilityScope(scope)}
           GROUP BY e.user_id, e.chat_id`,
          { chatId: scope.kind === 'chat' ? scope.chatId : null },
        )
      },
      invites: (p) =>
        run(
          'invites',
          `${INSERT_JOBS}
           SELECT ${memberChatJobRow('member.invite', 'k.user_id', 'k.chat_id')}
           FROM temp.reconcile_candidates k
           LEFT JOIN memberships m ON m.user_id = k.user_id AND m.chat_id = k.chat_id
           WHERE k.eligible = 1 AND (m.state IS NULL OR m.state = 'removed')`,
          p,
        ),
      newlyEligible: (p) =>
        run(
          'eligible',
          `INSERT INTO memberships (user_id, chat_id, state, reason, updated_at)
           SELECT k.user_id, k.chat_id, 'eligible', @reachedPrefix || k.min_karma, @now
           FROM temp.reconcile_candidates k
           LEFT JOIN memberships m ON m.user_id = k.user_id AND m.chat_id = k.chat_id
           WHERE k.eligible = 1 AND (m.state IS NULL OR m.state = 'removed')
           ON CONFLICT (user_id, chat_id) DO UPDATE SET state = 'eligible', reason = excluded.reason, updated_at = excluded.updated_at`,
          { ...p, reachedPrefix: KARMA_REACHED_REASON_PREFIX },
        ),
      // Members in a chat no rule keeps them in, where the chat has an enabled rule at all (a chat
      // whose rules are all disabled is left alone rather than emptied).
      removals: (scope, p) =>
        run(
          `removals:${scope.kind}`,
          `${INSERT_JOBS}
           SELECT ${memberChatJobRow('member.remove', 'm.user_id', 'm.chat_id')}
           FROM memberships m
           JOIN chats c ON c.id = m.chat_id AND c.state = 'active'
           LEFT JOIN temp.reconcile_candidates k ON k.user_id = m.user_id AND k.chat_id = m.chat_id
           WHERE m.state = 'member' AND coalesce(k.keep, 0) = 0
             AND EXISTS (SELECT 1 FROM rules r WHERE r.chat_id = m.chat_id AND r.enabled = 1)
             ${membershipScope(scope)}`,
          { ...p, chatId: scope.kind === 'chat' ? scope.chatId : null },
        ),
      withdrawn: (scope, p) =>
        run(
          `withdrawn:${scope.kind}`,
          `UPDATE memberships AS m SET state = 'removed', reason = @withdrawnReason, updated_at = @now
           WHERE m.state IN ('eligible', 'invited')
             AND NOT EXISTS (SELECT 1 FROM temp.reconcile_candidates k WHERE k.user_id = m.user_id AND k.chat_id = m.chat_id AND k.eligible = 1)
             AND EXISTS (SELECT 1 FROM rules r WHERE r.chat_id = m.chat_id AND r.enabled = 1)
             ${membershipScope(scope)}`,
          {
            now: p.now,
            chatId: scope.kind === 'chat' ? scope.chatId : null,
            withdrawnReason: NO_LONGER_ELIGIBLE_REASON,
          },
        ),
    }
  }

  /**
   * Compares who should be in each chat with who is, for the members or chat in `scope`, and
   * queues the work: `chat.create` for chats a rule needs, `member.invite` for the newly
   * eligible, `member.remove` for members below `remove_below`. Idempotent: a second run
   * queues nothing new. Synchronous, so it can share the transaction of the change behind it.
   * @internal
   */
  reconcileSync(scope: ReconcileScope, nowMs: number): ReconcileReport {
    const p: StepParams = { now: toUnixSeconds(nowMs), nowMs, maxAttempts: this.maxAttempts }
    if (scope.kind === 'members') {
      this.db.prepare('DELETE FROM temp.reconcile_scope').run()
      for (const id of scope.memberIds) this.scopeInsert.run(id)
    }
    const chatsToCreate = this.steps.chatsToCreate(scope, p)
    this.steps.candidates(scope)
    const invitesQueued = this.steps.invites(p)
    this.steps.newlyEligible(p)
    const removalsQueued = this.steps.removals(scope, p)
    const withdrawn = this.steps.withdrawn(scope, p)
    return { chatsToCreate, invitesQueued, removalsQueued, withdrawn }
  }

  /** {@link reconcileSync} in a transaction of its own. */
  async run(scope: ReconcileScope, nowMs: number): Promise<ReconcileReport> {
    return this.writes.run(() => {
      return this.db.transaction(() => this.reconcileSync(scope, nowMs)).immediate()
    })
  }
}

type StepParams = {
  readonly now: number
  readonly nowMs: number
  readonly maxAttempts: number
}

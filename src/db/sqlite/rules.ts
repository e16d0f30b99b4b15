import type { RuleRepository } from '../rules.js'
import { type Rule, RuleError, type RuleInput, validateRule } from '../../access/rules.js'
import type { GroupCommit } from './group-commit.js'
import type { SqliteDatabase } from './open.js'
import { toUnixSeconds } from '../../time.js'

interface RuleRow {
  id: number
  group_id: number | null
  chat_id: number
  min_karma: number
  remove_below: number | null
  enabled: number
  direct_add: number
}

const toRule = (r: RuleRow): Rule => ({
  id: r.id,
  groupId: r.group_id,
  chatId: r.chat_id,
  minKarma: r.min_karma,
  removeBelow: r.remove_below,
  enabled: r.enabled === 1,
  directAdd: r.direct_add === 1,
})

interface RuleParams {
  groupId: number | null
  chatId: number
  minKarma: number
  removeBelow: number | null
  enabled: number
  /** null: keep the stored value (an edit) or 0 (a new rule). */
  directAdd: number | null
  now: number
}

/** The rules. Writes validate first; callers reconcile the rule's chat afterwards. */
export class SqliteRuleRepository implements RuleRepository {
  private readonly s

  constructor(
    db: SqliteDatabase,
    /** Every write goes through it: batched, and never blocking the loop on another connection's lock. */
    private readonly writes: GroupCommit,
  ) {
    this.s = {
      insert: db.prepare<[RuleParams], { id: number }>(
        `INSERT INTO rules (group_id, chat_id, min_karma, remove_below, enabled, direct_add, created_at, updated_at)
         VALUES (@groupId, @chatId, @minKarma, @removeBelow, @enabled, coalesce(@directAdd, 0), @now, @now) RETURNING id`,
      ),
      update: db.prepare<[RuleParams & { id: number }]>(
        `UPDATE rules SET group_id = @groupId, chat_id = @chatId, min_karma = @minKarma, remove_below = @removeBelow,
           enabled = @enabled, direct_add = coalesce(@directAdd, direct_add), updated_at = @now WHERE id = @id`,
      ),
      byId: db.prepare<[number], RuleRow>('SELECT * FROM rules WHERE id = ?'),
      all: db.prepare<[], RuleRow>('SELECT * FROM rules ORDER BY id'),
      forChat: db.prepare<[number], RuleRow>('SELECT * FROM rules WHERE chat_id = ? ORDER BY min_karma'),
    }
  }

  private params(input: RuleInput, now: number): RuleParams {
    validateRule(input)
    return {
      groupId: input.groupId,
      chatId: input.chatId,
      minKarma: input.minKarma,
      removeBelow: input.removeBelow,
      enabled: input.enabled === false ? 0 : 1,
      directAdd: input.directAdd === undefined ? null : input.directAdd ? 1 : 0,
      now: toUnixSeconds(now),
    }
  }

  /** Stores a new rule; throws {@link RuleError} for bad numbers or an unknown group or chat. */
  async create(input: RuleInput, now: number): Promise<Rule> {
    return this.writes.run(() => {
      const row = this.withReferenceCheck(() => this.s.insert.get(this.params(input, now)))
      if (!row) throw new Error('insert returned no row')
      return toRule(this.s.byId.get(row.id) as RuleRow)
    })
  }

  /** Changes a rule; resolves to undefined when it does not exist. */
  async update(id: number, input: RuleInput, now: number): Promise<Rule | undefined> {
    return this.writes.run(() => {
      const changes = this.withReferenceCheck(() => this.s.update.run({ ...this.params(input, now), id }).changes)
      if (changes === 0) return undefined
      return toRule(this.s.byId.get(id) as RuleRow)
    })
  }

  async findById(id: number): Promise<Rule | undefined> {
    const row = this.s.byId.get(id)
    return row && toRule(row)
  }

  async list(): Promise<Rule[]> {
    return this.s.all.all().map(toRule)
  }

  async forChat(chatId: number): Promise<Rule[]> {
    return this.s.forChat.all(chatId).map(toRule)
  }

  private withReferenceCheck<T>(write: () => T): T {
    try {
      return write()
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        throw new RuleError('The group or chat of this rule does not exist.', 'groupId')
      }
      throw err
    }
  }
}

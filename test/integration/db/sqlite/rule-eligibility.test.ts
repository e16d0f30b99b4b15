import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { admits, covers, eligibilityOf, keeps } from '../../../../src/access/eligibility.js'
import type { Rule } from '../../../../src/access/rules.js'
import { openTestStore, type TestStore } from '../../../support/store.js'

/** A small world: members (some without Telegram), their groups, two chats and their rules. */
interface World {
  readonly members: { readonly telegramId: number | null; readonly karma: number; readonly groupIds: number[] }[]
  readonly rules: Omit<Rule, 'id'>[]
}

const GROUPS = [1, 2, 3]
const CHATS = [1, 2]

const world: fc.Arbitrary<World> = fc.record({
  members: fc.array(
    fc.record({
      telegramId: fc.option(fc.constant(0), { nil: null }),
      karma: fc.integer({ min: -30, max: 30 }),
      groupIds: fc.subarray(GROUPS),
    }),
    { maxLength: 8 },
  ),
  rules: fc.array(
    fc
      .record({
        groupId: fc.option(fc.constantFrom(...GROUPS), { nil: null }),
        chatId: fc.constantFrom(...CHATS),
        minKarma: fc.integer({ min: -20, max: 20 }),
        gap: fc.option(fc.integer({ min: 0, max: 15 }), { nil: null }),
        enabled: fc.boolean(),
        directAdd: fc.boolean(),
      })
      .map(({ gap, ...rule }) => ({ ...rule, removeBelow: gap === null ? null : rule.minKarma - gap })),
    { maxLength: 5 },
  ),
})

describe('the rule_eligibility view and src/access/eligibility.ts', () => {
  let t: TestStore
  beforeAll(() => {
    t = openTestStore()
  })
  afterAll(async () => {
    await t.close()
  })

  /** Writes `w` over an emptied database; returns the member and rule ids in order. */
  function store(w: World): { memberIds: number[]; ruleIds: number[] } {
    const db = t.db
    return db.transaction(() => {
      for (const table of ['rules', 'user_groups', 'users', 'groups', 'chats']) db.prepare(`DELETE FROM ${table}`).run()
      for (const id of GROUPS) {
        db.prepare('INSERT INTO groups (id, slug, name, created_at) VALUES (?, ?, ?, 0)').run(id, `g${id}`, `G${id}`)
      }
      for (const id of CHATS) {
        db.prepare(`INSERT INTO chats (id, title, state, created_at, updated_at) VALUES (?, ?, 'active', 0, 0)`).run(
          id,
          `Chat ${String(id)}`,
        )
      }
      const memberIds = w.members.map((m, i) => {
        const id = i + 1
        db.prepare('INSERT INTO users (id, telegram_id, karma, created_at, updated_at) VALUES (?, ?, ?, 0, 0)').run(
          id,
          m.telegramId === null ? null : 1000 + id,
          m.karma,
        )
        for (const g of m.groupIds) db.prepare('INSERT INTO user_groups (user_id, group_id) VALUES (?, ?)').run(id, g)
        return id
      })
      const ruleIds = w.rules.map((r, i) => {
        const id = i + 1
        db.prepare(
          `INSERT INTO rules (id, group_id, chat_id, min_karma, remove_below, enabled, direct_add, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0)`,
        ).run(id, r.groupId, r.chatId, r.minKarma, r.removeBelow, r.enabled ? 1 : 0, r.directAdd ? 1 : 0)
        return id
      })
      return { memberIds, ruleIds }
    })()
  }

  it('covers, admits and keeps exactly whom the functions do', () => {
    fc.assert(
      fc.property(world, (w) => {
        store(w)
        const rows = t.db
          .prepare<[], { rule_id: number; user_id: number; eligible: number; keep: number }>(
            'SELECT rule_id, user_id, eligible, keep FROM rule_eligibility ORDER BY rule_id, user_id',
          )
          .all()
          .map((r) => [r.rule_id, r.user_id, r.eligible === 1, r.keep === 1])
        const expected = w.rules.flatMap((rule, r) =>
          w.members.flatMap((member, m) =>
            covers(rule, member) ? [[r + 1, m + 1, admits(rule, member.karma), keeps(rule, member.karma)]] : [],
          ),
        )
        expect(rows).toEqual(expected)
      }),
      { numRuns: 300 },
    )
  })

  it("gives each member's eligibility in a chat as eligibilityOf does", async () => {
    await fc.assert(
      fc.asyncProperty(world, async (w) => {
        store(w)
        for (const [m, member] of w.members.entries()) {
          for (const chatId of CHATS) {
            const ofChat = w.rules.filter((rule) => rule.chatId === chatId)
            expect(await t.store.memberships.eligibility(m + 1, chatId)).toEqual(
              eligibilityOf({
                karma: member.karma,
                covering: ofChat.filter((rule) => covers(rule, member)),
                managed: ofChat.some((rule) => rule.enabled),
              }),
            )
          }
        }
      }),
      { numRuns: 150 },
    )
  })
})

import { describe, expect, it } from 'vitest'
import { type Rule, RuleError, type RuleInput } from '../../../src/access/rules.js'
import { saveRule } from '../../../src/access/save-rule.js'
import type { ReconcileReport } from '../../../src/db/reconcile.js'
import type { Store } from '../../../src/db/store.js'
import { type Call, fakeStore, type FakeRepositories, namesOf } from '../fakes.js'

const NOW = 1_700_000_000_000
const ACTOR = 'admin:1'
const REPORT: ReconcileReport = { chatsToCreate: 0, invitesQueued: 2, removalsQueued: 1, withdrawn: 0 }

const input = (overrides: Partial<RuleInput> = {}): RuleInput => ({
  groupId: null,
  chatId: 3,
  minKarma: 20,
  removeBelow: 10,
  enabled: true,
  directAdd: false,
  ...overrides,
})
const stored = (id: number, rule: RuleInput): Rule => ({
  id,
  groupId: rule.groupId,
  chatId: rule.chatId,
  minKarma: rule.minKarma,
  removeBelow: rule.removeBelow,
  enabled: rule.enabled ?? true,
  directAdd: rule.directAdd ?? false,
})

/**
 * A store holding `existing` (rule 9, or none): `create` stores rule 9, `update` changes it, the
 * reconcile reports {@link REPORT}, and `queueDirectAdds` queues 4.
 */
function storeWith(existing: Rule | undefined, overrides: FakeRepositories = {}): { store: Store; calls: Call[] } {
  return fakeStore({
    rules: {
      findById: (id) => Promise.resolve(id === existing?.id ? existing : undefined),
      create: (rule) => Promise.resolve(stored(9, rule)),
      update: (id, rule) => Promise.resolve(id === existing?.id ? stored(id, rule) : undefined),
    },
    audit: { record: () => Promise.resolve() },
    reconcile: { run: () => Promise.resolve(REPORT) },
    memberships: { queueDirectAdds: () => Promise.resolve(4) },
    ...overrides,
  })
}

describe('saveRule', () => {
  it('creates a rule, records it in the audit log, then reconciles its chat', async () => {
    const { store, calls } = storeWith(undefined)
    const saved = await saveRule(store, { rule: input(), actor: ACTOR, now: NOW })
    const rule = stored(9, input())
    expect(saved).toEqual({ rule, report: REPORT, directAddsQueued: 0 })
    expect(calls).toEqual([
      ['rules.create', input(), NOW],
      [
        'audit.record',
        {
          at: NOW,
          actor: ACTOR,
          action: 'rule.create',
          subject: 'rule:9',
          details: { before: null, after: rule },
        },
      ],
      ['reconcile.run', { kind: 'chat', chatId: 3 }, NOW],
    ])
  })

  it('edits a rule, with the rule as it was in the audit entry', async () => {
    const before = stored(9, input({ minKarma: 30 }))
    const { store, calls } = storeWith(before)
    const saved = await saveRule(store, { ruleId: 9, rule: input(), actor: ACTOR, now: NOW })
    expect(saved?.rule).toEqual(stored(9, input()))
    expect(calls).toEqual([
      ['rules.findById', 9],
      ['rules.update', 9, input(), NOW],
      [
        'audit.record',
        {
          at: NOW,
          actor: ACTOR,
          action: 'rule.update',
          subject: 'rule:9',
          details: { before, after: stored(9, input()) },
        },
      ],
      ['reconcile.run', { kind: 'chat', chatId: 3 }, NOW],
    ])
  })

  it('reconciles both chats when a rule moves: its new chat, then the one it left', async () => {
    const { store, calls } = storeWith(stored(9, input({ chatId: 5 })))
    await saveRule(store, { ruleId: 9, rule: input({ chatId: 3 }), actor: ACTOR, now: NOW })
    expect(calls.filter(([name]) => name === 'reconcile.run')).toEqual([
      ['reconcile.run', { kind: 'chat', chatId: 3 }, NOW],
      ['reconcile.run', { kind: 'chat', chatId: 5 }, NOW],
    ])
  })

  it('resolves undefined for a rule that does not exist, having written nothing', async () => {
    const { store, calls } = storeWith(undefined)
    expect(await saveRule(store, { ruleId: 9, rule: input(), actor: ACTOR, now: NOW })).toBeUndefined()
    expect(namesOf(calls)).toEqual(['rules.findById'])
  })

  it('resolves undefined when the rule is gone by the time it is updated, recording nothing', async () => {
    const { store, calls } = storeWith(stored(9, input()), {
      rules: {
        findById: () => Promise.resolve(stored(9, input())),
        update: () => Promise.resolve(undefined),
      },
    })
    expect(await saveRule(store, { ruleId: 9, rule: input(), actor: ACTOR, now: NOW })).toBeUndefined()
    expect(namesOf(calls)).toEqual(['rules.findById', 'rules.update'])
  })

  it("lets the repository's RuleError through, with no audit entry and no reconcile", async () => {
    const refusal = new RuleError('The group or chat of this rule does not exist.', 'groupId')
    const { store, calls } = storeWith(undefined, {
      rules: { create: () => Promise.reject(refusal) },
    })
    await expect(saveRule(store, { rule: input({ groupId: 77 }), actor: ACTOR, now: NOW })).rejects.toBe(refusal)
    expect(namesOf(calls)).toEqual(['rules.create'])
  })

  describe('direct add', () => {
    it('a new enabled rule with direct add queues the adds of members waiting with the link, after the reconcile', async () => {
      const { store, calls } = storeWith(undefined)
      const saved = await saveRule(store, { rule: input({ directAdd: true }), actor: ACTOR, now: NOW })
      expect(saved?.directAddsQueued).toBe(4)
      expect(namesOf(calls).slice(-2)).toEqual(['reconcile.run', 'memberships.queueDirectAdds'])
      expect(calls.at(-1)).toEqual(['memberships.queueDirectAdds', 3, NOW])
    })

    it.each([
      ['turned on', input({ directAdd: false }), input({ directAdd: true }), 4],
      ['on, and the rule enabled again', input({ directAdd: true, enabled: false }), input({ directAdd: true }), 4],
      ['on, and the rule moved to another chat', input({ directAdd: true, chatId: 5 }), input({ directAdd: true }), 4],
      ['on already, in the same chat', input({ directAdd: true }), input({ directAdd: true, minKarma: 25 }), 0],
      ['on, but the rule disabled', input({ directAdd: false }), input({ directAdd: true, enabled: false }), 0],
      ['turned off', input({ directAdd: true }), input({ directAdd: false }), 0],
    ])('%s: %i queued', async (_case, before, after, queued) => {
      const { store, calls } = storeWith(stored(9, before))
      const saved = await saveRule(store, { ruleId: 9, rule: after, actor: ACTOR, now: NOW })
      expect(saved?.directAddsQueued).toBe(queued)
      expect(namesOf(calls).includes('memberships.queueDirectAdds')).toBe(queued > 0)
    })

    it('a new rule that is disabled queues nothing', async () => {
      const { store, calls } = storeWith(undefined)
      const saved = await saveRule(store, { rule: input({ directAdd: true, enabled: false }), actor: ACTOR, now: NOW })
      expect(saved?.directAddsQueued).toBe(0)
      expect(namesOf(calls)).not.toContain('memberships.queueDirectAdds')
    })
  })
})

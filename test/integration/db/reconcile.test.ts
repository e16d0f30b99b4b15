import { describe, expect, it } from 'vitest'
import { appendKarmaEvent } from '../../../src/karma/append.js'
import { addActiveChat, addMember, type ContractStore, describeStore, jobsIn } from '../../support/contract.js'

let key = 0
/** Moves a member's karma through the ledger, which reconciles whoever crossed a line. */
async function karma(t: ContractStore, telegramId: number, delta: number): Promise<number> {
  return (
    await appendKarmaEvent(
      t.store,
      { source: 'admin', actor: 'test' },
      { member: { telegramId }, delta, reason: 'test', idempotencyKey: `k${String(++key)}` },
    )
  ).member.karma
}

const NOTHING = { chatsToCreate: 0, invitesQueued: 0, removalsQueued: 0, withdrawn: 0 }

describeStore('reconcile', (open) => {
  // Moved from test/integration/reconcile.test.ts, reading jobs through the interface.
  describe('through the ledger and the rules', () => {
    it('a member crossing min_karma is eligible and gets one invite job', async () => {
      const t = await open()
      const ada = await addMember(t, 1)
      const chat = await addActiveChat(t)
      await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 100, removeBelow: 50 }, t.now())
      await karma(t, 1, 99)
      expect(await jobsIn(t.store)).toEqual([])
      await karma(t, 1, 1)
      expect(await jobsIn(t.store)).toEqual([['member.invite', { memberId: ada, chatId: chat }]])
      expect((await t.store.memberships.get(ada, chat))?.state).toBe('eligible')
      // Idempotent: the sweep queues nothing new.
      await t.store.reconcile.run({ kind: 'all' }, t.now())
      expect(await jobsIn(t.store)).toHaveLength(1)
    })

    it('a member dipping between the lines stays; falling below remove_below is removed', async () => {
      const t = await open()
      const ada = await addMember(t, 1)
      const chat = await addActiveChat(t)
      await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 100, removeBelow: 50 }, t.now())
      await karma(t, 1, 120)
      await t.store.memberships.set(ada, chat, 'member', 'approved', t.now())
      await karma(t, 1, -2)
      await karma(t, 1, -60) // 58: below min_karma, above remove_below
      expect((await jobsIn(t.store)).filter(([k]) => k === 'member.remove')).toEqual([])
      expect((await t.store.memberships.get(ada, chat))?.state).toBe('member')
      await karma(t, 1, -9) // 49
      expect((await jobsIn(t.store)).filter(([k]) => k === 'member.remove')).toEqual([
        ['member.remove', { memberId: ada, chatId: chat }],
      ])
    })

    it('remove_below null never removes', async () => {
      const t = await open()
      const ada = await addMember(t, 1)
      const chat = await addActiveChat(t)
      await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 10, removeBelow: null }, t.now())
      await karma(t, 1, 20)
      await t.store.memberships.set(ada, chat, 'member', 'approved', t.now())
      await karma(t, 1, -1000)
      expect((await jobsIn(t.store)).filter(([k]) => k === 'member.remove')).toEqual([])
      expect((await t.store.reconcile.run({ kind: 'all' }, t.now())).removalsQueued).toBe(0)
    })

    it('a rule scoped to a group covers its members only, and leaving the group removes', async () => {
      const t = await open()
      const ada = await addMember(t, 1)
      const bob = await addMember(t, 2)
      const chat = await addActiveChat(t)
      const webmasters = await t.store.groups.findBySlug('webmasters')
      await t.store.groups.setMemberGroups(ada, [webmasters!.id])
      await karma(t, 1, 500)
      await karma(t, 2, 500)
      await t.store.rules.create({ groupId: webmasters!.id, chatId: chat, minKarma: 100, removeBelow: 50 }, t.now())
      await t.store.reconcile.run({ kind: 'chat', chatId: chat }, t.now())
      expect(await jobsIn(t.store)).toEqual([['member.invite', { memberId: ada, chatId: chat }]])
      expect(await t.store.memberships.get(bob, chat)).toBeUndefined()
      await t.store.memberships.set(ada, chat, 'member', 'approved', t.now())
      await t.store.groups.setMemberGroups(ada, [])
      await t.store.reconcile.run({ kind: 'members', memberIds: [ada] }, t.now())
      expect((await jobsIn(t.store)).at(-1)).toEqual(['member.remove', { memberId: ada, chatId: chat }])
    })

    it('an edited rule reconciles its chat: raising the bar withdraws pending invites', async () => {
      const t = await open()
      const ada = await addMember(t, 1)
      const chat = await addActiveChat(t)
      const rule = await t.store.rules.create(
        { groupId: null, chatId: chat, minKarma: 100, removeBelow: null },
        t.now(),
      )
      await karma(t, 1, 150)
      expect((await t.store.memberships.get(ada, chat))?.state).toBe('eligible')
      await t.store.rules.update(rule.id, { groupId: null, chatId: chat, minKarma: 200, removeBelow: null }, t.now())
      const report = await t.store.reconcile.run({ kind: 'chat', chatId: chat }, t.now())
      expect(report.withdrawn).toBe(1)
      expect((await t.store.memberships.get(ada, chat))?.state).toBe('removed')
    })

    it('a rule whose chat does not exist yet queues chat.create for the worker, once', async () => {
      const t = await open()
      await addMember(t, 1)
      await karma(t, 1, 500)
      const chat = await t.store.chats.create('VIP', 'For the best', t.now())
      await t.store.rules.create({ groupId: null, chatId: chat.id, minKarma: 100, removeBelow: null }, t.now())
      const report = await t.store.reconcile.run({ kind: 'all' }, t.now())
      expect(report).toMatchObject({ chatsToCreate: 1, invitesQueued: 0 })
      await t.store.reconcile.run({ kind: 'all' }, t.now())
      expect(await jobsIn(t.store)).toEqual([['chat.create', { chatId: chat.id }]])
      const [job] = await t.store.jobs.recent(10)
      expect(job).toMatchObject({ kind: 'chat.create', owner: 'worker' })
      // Once the worker has created it, the next reconcile invites.
      await t.store.chats.markActive(chat.id, -1009, t.now())
      expect((await t.store.reconcile.run({ kind: 'chat', chatId: chat.id }, t.now())).invitesQueued).toBe(1)
    })

    it('direct add: off unless asked; an edit that does not say (the bot /rules conversation) keeps it; it counts only for rules the member meets', async () => {
      const t = await open()
      const ada = await addMember(t, 1)
      const chat = await addActiveChat(t)
      const plain = await t.store.rules.create(
        { groupId: null, chatId: chat, minKarma: 10, removeBelow: null },
        t.now(),
      )
      expect(plain.directAdd).toBe(false)
      const direct = await t.store.rules.create(
        { groupId: null, chatId: chat, minKarma: 100, removeBelow: null, directAdd: true },
        t.now(),
      )
      expect(direct.directAdd).toBe(true)
      expect(
        (
          await t.store.rules.update(
            direct.id,
            { groupId: null, chatId: chat, minKarma: 90, removeBelow: null },
            t.now(),
          )
        )?.directAdd,
      ).toBe(true)
      await karma(t, 1, 50)
      // Eligible through the plain rule only: the direct rule's minimum is not reached.
      expect(await t.store.memberships.eligibility(ada, chat)).toMatchObject({ eligible: true, directAdd: false })
      await karma(t, 1, 50)
      expect(await t.store.memberships.eligibility(ada, chat)).toMatchObject({ eligible: true, directAdd: true })
      expect(
        (
          await t.store.rules.update(
            direct.id,
            { groupId: null, chatId: chat, minKarma: 90, removeBelow: null, directAdd: false },
            t.now(),
          )
        )?.directAdd,
      ).toBe(false)
      expect((await t.store.memberships.eligibility(ada, chat)).directAdd).toBe(false)
    })

    it('refuses a rule whose remove_below is above its min_karma, or whose chat is unknown', async () => {
      const t = await open()
      const chat = await addActiveChat(t)
      await expect(
        t.store.rules.create({ groupId: null, chatId: chat, minKarma: 10, removeBelow: 11 }, t.now()),
      ).rejects.toMatchObject({ field: 'removeBelow' })
      await expect(
        t.store.rules.create({ groupId: null, chatId: 999, minKarma: 10, removeBelow: null }, t.now()),
      ).rejects.toMatchObject({ name: 'RuleError' })
    })
  })

  describe('run', () => {
    it('queues an invite for each newly eligible member and marks them eligible, dated now', async () => {
      const t = await open()
      const chat = await addActiveChat(t)
      const ids = [await addMember(t, 1), await addMember(t, 2), await addMember(t, 3)]
      await karma(t, 1, 30)
      await karma(t, 2, 5)
      await karma(t, 3, 10)
      // The rule comes after the karma: only the reconcile of its chat lets them in.
      await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 10, removeBelow: null }, t.now())
      expect(await t.store.reconcile.run({ kind: 'chat', chatId: chat }, t.now())).toEqual({
        ...NOTHING,
        invitesQueued: 2,
      })
      expect(await jobsIn(t.store)).toEqual([
        ['member.invite', { memberId: ids[0], chatId: chat }],
        ['member.invite', { memberId: ids[2], chatId: chat }],
      ])
      expect(await t.store.memberships.get(ids[0]!, chat)).toMatchObject({ state: 'eligible', updatedAt: t.now() })
      expect(await t.store.memberships.get(ids[1]!, chat)).toBeUndefined()
      const [invite] = await t.store.jobs.recent(1)
      expect(invite).toMatchObject({ owner: 'bot', state: 'queued', runAfter: t.now(), createdAt: t.now() })
    })

    it('is idempotent: a second run queues nothing new and changes nothing', async () => {
      const t = await open()
      const chat = await addActiveChat(t)
      const pending = await t.store.chats.create('Later', '', t.now())
      const ada = await addMember(t, 1)
      const bob = await addMember(t, 2)
      const cy = await addMember(t, 3)
      await karma(t, 1, 30)
      await t.store.memberships.set(bob, chat, 'member', 'approved', t.now())
      await t.store.memberships.set(cy, chat, 'invited', 'sent', t.now())
      await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 10, removeBelow: 5 }, t.now())
      await t.store.rules.create({ groupId: null, chatId: pending.id, minKarma: 0, removeBelow: null }, t.now())
      expect(await t.store.reconcile.run({ kind: 'all' }, t.now())).toEqual({
        chatsToCreate: 1,
        invitesQueued: 1,
        removalsQueued: 1,
        withdrawn: 1,
      })
      const jobs = await jobsIn(t.store)
      const states = await Promise.all([ada, bob, cy].map((id) => t.store.memberships.get(id, chat)))
      t.advance(60_000)
      expect(await t.store.reconcile.run({ kind: 'all' }, t.now())).toEqual(NOTHING)
      expect(await jobsIn(t.store)).toEqual(jobs)
      expect(await Promise.all([ada, bob, cy].map((id) => t.store.memberships.get(id, chat)))).toEqual(states)
    })

    it('invites again a member removed before, once they are eligible again', async () => {
      const t = await open()
      const chat = await addActiveChat(t)
      const ada = await addMember(t, 1)
      await karma(t, 1, 30)
      await t.store.memberships.set(ada, chat, 'removed', 'left', t.now())
      await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 10, removeBelow: null }, t.now())
      expect((await t.store.reconcile.run({ kind: 'chat', chatId: chat }, t.now())).invitesQueued).toBe(1)
      expect((await t.store.memberships.get(ada, chat))?.state).toBe('eligible')
    })

    it('lets nobody without Telegram in, and no chat that is not active', async () => {
      const t = await open()
      const chat = await addActiveChat(t)
      const failed = await t.store.chats.create('Failed', '', t.now())
      await t.store.chats.markFailed(failed.id, 'no', t.now())
      const ghost = await t.store.members.ensureExternal('u-1', t.now())
      await appendKarmaEvent(
        t.store,
        { source: 'api', actor: 'site' },
        { member: { externalId: 'u-1' }, delta: 100, reason: 'r', idempotencyKey: 'ghost' },
      )
      const ada = await addMember(t, 1)
      await karma(t, 1, 100)
      await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 10, removeBelow: null }, t.now())
      await t.store.rules.create({ groupId: null, chatId: failed.id, minKarma: 10, removeBelow: null }, t.now())
      expect(await t.store.reconcile.run({ kind: 'all' }, t.now())).toEqual({ ...NOTHING, invitesQueued: 1 })
      expect(await jobsIn(t.store)).toEqual([['member.invite', { memberId: ada, chatId: chat }]])
      expect(await t.store.memberships.get(ghost.id, chat)).toBeUndefined()
    })

    it('leaves alone a chat whose rules are all disabled', async () => {
      const t = await open()
      const chat = await addActiveChat(t)
      const ada = await addMember(t, 1)
      const bob = await addMember(t, 2)
      await karma(t, 2, 100)
      await t.store.memberships.set(ada, chat, 'member', 'approved', t.now())
      await t.store.memberships.set(bob, chat, 'invited', 'sent', t.now())
      await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 10, removeBelow: 5, enabled: false }, t.now())
      expect(await t.store.reconcile.run({ kind: 'all' }, t.now())).toEqual(NOTHING)
      expect((await t.store.memberships.get(ada, chat))?.state).toBe('member')
      expect((await t.store.memberships.get(bob, chat))?.state).toBe('invited')
    })

    it('withdraws the eligible and invited no rule admits any more, even between the lines, without Telegram work', async () => {
      const t = await open()
      const chat = await addActiveChat(t)
      const ada = await addMember(t, 1)
      const bob = await addMember(t, 2)
      await karma(t, 1, 7) // between remove_below (5) and min_karma (10)
      await t.store.memberships.set(ada, chat, 'invited', 'sent', t.now())
      await t.store.memberships.set(bob, chat, 'eligible', 'karma reached 10', t.now())
      await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 10, removeBelow: 5 }, t.now())
      expect(await t.store.reconcile.run({ kind: 'chat', chatId: chat }, t.now())).toEqual({ ...NOTHING, withdrawn: 2 })
      expect(await t.store.memberships.get(ada, chat)).toMatchObject({ state: 'removed', updatedAt: t.now() })
      expect((await t.store.memberships.get(bob, chat))?.state).toBe('removed')
      expect(await jobsIn(t.store)).toEqual([])
    })

    it('keeps to its scope: the members named, or the chat named', async () => {
      const t = await open()
      const one = await addActiveChat(t, 'One', -1001)
      const two = await addActiveChat(t, 'Two', -1002)
      const ada = await addMember(t, 1)
      const bob = await addMember(t, 2)
      await karma(t, 1, 50)
      await karma(t, 2, 50)
      await t.store.rules.create({ groupId: null, chatId: one, minKarma: 10, removeBelow: null }, t.now())
      await t.store.rules.create({ groupId: null, chatId: two, minKarma: 10, removeBelow: null }, t.now())
      expect(await t.store.reconcile.run({ kind: 'members', memberIds: [bob] }, t.now())).toEqual({
        ...NOTHING,
        invitesQueued: 2,
      })
      expect(await t.store.memberships.get(ada, one)).toBeUndefined()
      expect(await t.store.reconcile.run({ kind: 'chat', chatId: one }, t.now())).toEqual({
        ...NOTHING,
        invitesQueued: 1,
      })
      expect(await t.store.memberships.get(ada, two)).toBeUndefined()
      expect(await jobsIn(t.store)).toEqual([
        ['member.invite', { memberId: bob, chatId: one }],
        ['member.invite', { memberId: bob, chatId: two }],
        ['member.invite', { memberId: ada, chatId: one }],
      ])
      expect(await t.store.reconcile.run({ kind: 'members', memberIds: [] }, t.now())).toEqual(NOTHING)
      expect((await t.store.reconcile.run({ kind: 'all' }, t.now())).invitesQueued).toBe(1)
    })
  })
})

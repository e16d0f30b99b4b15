import { describe, expect, it } from 'vitest'
import { addActiveChat, addMember, queuedJobs, type TestStore, testStores } from '../support/store.js'
import { appendKarmaEvent } from '../../src/karma/append.js'

const store = testStores()

let key = 0
async function karma(t: TestStore, telegramId: number, delta: number): Promise<number> {
  return (
    await appendKarmaEvent(
      t.store,
      { source: 'admin', actor: 'test' },
      { member: { telegramId }, delta, reason: 'test', idempotencyKey: `k${String(++key)}` },
    )
  ).member.karma
}
const now = (t: TestStore) => t.now()

describe('reconcile', () => {
  it('a member crossing min_karma is eligible and gets one invite job', async () => {
    const t = store()
    const ada = await addMember(t, 1)
    const chat = await addActiveChat(t)
    await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 100, removeBelow: 50 }, now(t))
    await karma(t, 1, 99)
    expect(queuedJobs(t)).toEqual([])
    await karma(t, 1, 1)
    expect(queuedJobs(t)).toEqual([['member.invite', { memberId: ada, chatId: chat }]])
    expect((await t.store.memberships.get(ada, chat))?.state).toBe('eligible')
    // Idempotent: the sweep queues nothing new.
    await t.store.reconcile.run({ kind: 'all' }, t.now())
    expect(queuedJobs(t)).toHaveLength(1)
  })

  it('a member dipping between the lines stays; falling below remove_below is removed', async () => {
    const t = store()
    const ada = await addMember(t, 1)
    const chat = await addActiveChat(t)
    await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 100, removeBelow: 50 }, now(t))
    await karma(t, 1, 120)
    await t.store.memberships.set(ada, chat, 'member', 'approved', now(t))
    await karma(t, 1, -2)
    await karma(t, 1, -60) // 58: below min_karma, above remove_below
    expect(queuedJobs(t).filter(([k]) => k === 'member.remove')).toEqual([])
    expect((await t.store.memberships.get(ada, chat))?.state).toBe('member')
    await karma(t, 1, -9) // 49
    expect(queuedJobs(t).filter(([k]) => k === 'member.remove')).toEqual([
      ['member.remove', { memberId: ada, chatId: chat }],
    ])
  })

  it('remove_below null never removes', async () => {
    const t = store()
    const ada = await addMember(t, 1)
    const chat = await addActiveChat(t)
    await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 10, removeBelow: null }, now(t))
    await karma(t, 1, 20)
    await t.store.memberships.set(ada, chat, 'member', 'approved', now(t))
    await karma(t, 1, -1000)
    expect(queuedJobs(t).filter(([k]) => k === 'member.remove')).toEqual([])
  })

  it('a rule scoped to a group covers its members only, and leaving the group removes', async () => {
    const t = store()
    const ada = await addMember(t, 1)
    const bob = await addMember(t, 2)
    const chat = await addActiveChat(t)
    const webmasters = await t.store.groups.findBySlug('webmasters')
    await t.store.groups.setMemberGroups(ada, [webmasters!.id])
    await karma(t, 1, 500)
    await karma(t, 2, 500)
    await t.store.rules.create({ groupId: webmasters!.id, chatId: chat, minKarma: 100, removeBelow: 50 }, now(t))
    await t.store.reconcile.run({ kind: 'chat', chatId: chat }, t.now())
    expect(queuedJobs(t)).toEqual([['member.invite', { memberId: ada, chatId: chat }]])
    expect(await t.store.memberships.get(bob, chat)).toBeUndefined()
    await t.store.memberships.set(ada, chat, 'member', 'approved', now(t))
    await t.store.groups.setMemberGroups(ada, [])
    await t.store.reconcile.run({ kind: 'members', memberIds: [ada] }, t.now())
    expect(queuedJobs(t).at(-1)).toEqual(['member.remove', { memberId: ada, chatId: chat }])
  })

  it('an edited rule reconciles its chat: raising the bar withdraws pending invites', async () => {
    const t = store()
    const ada = await addMember(t, 1)
    const chat = await addActiveChat(t)
    const rule = await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 100, removeBelow: null }, now(t))
    await karma(t, 1, 150)
    expect((await t.store.memberships.get(ada, chat))?.state).toBe('eligible')
    await t.store.rules.update(rule.id, { groupId: null, chatId: chat, minKarma: 200, removeBelow: null }, now(t))
    const report = await t.store.reconcile.run({ kind: 'chat', chatId: chat }, t.now())
    expect(report.withdrawn).toBe(1)
    expect((await t.store.memberships.get(ada, chat))?.state).toBe('removed')
  })

  it('a rule whose chat does not exist yet queues chat.create for the worker, once', async () => {
    const t = store()
    await addMember(t, 1)
    await karma(t, 1, 500)
    const chat = await t.store.chats.create('VIP', 'For the best', now(t))
    await t.store.rules.create({ groupId: null, chatId: chat.id, minKarma: 100, removeBelow: null }, now(t))
    const report = await t.store.reconcile.run({ kind: 'all' }, t.now())
    expect(report).toMatchObject({ chatsToCreate: 1, invitesQueued: 0 })
    await t.store.reconcile.run({ kind: 'all' }, t.now())
    expect(queuedJobs(t)).toEqual([['chat.create', { chatId: chat.id }]])
    const job = t.db.prepare<[], { owner: string }>("SELECT owner FROM jobs WHERE kind = 'chat.create'").get()
    expect(job?.owner).toBe('worker')
    // Once the worker has created it, the next reconcile invites.
    await t.store.chats.markActive(chat.id, -1009, now(t))
    expect((await t.store.reconcile.run({ kind: 'chat', chatId: chat.id }, t.now())).invitesQueued).toBe(1)
  })

  it('direct add: off unless asked; an edit that does not say (the bot /rules conversation) keeps it; it counts only for rules the member meets', async () => {
    const t = store()
    const ada = await addMember(t, 1)
    const chat = await addActiveChat(t)
    const plain = await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 10, removeBelow: null }, now(t))
    expect(plain.directAdd).toBe(false)
    const direct = await t.store.rules.create(
      { groupId: null, chatId: chat, minKarma: 100, removeBelow: null, directAdd: true },
      now(t),
    )
    expect(direct.directAdd).toBe(true)
    expect(
      (await t.store.rules.update(direct.id, { groupId: null, chatId: chat, minKarma: 90, removeBelow: null }, now(t)))
        ?.directAdd,
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
          now(t),
        )
      )?.directAdd,
    ).toBe(false)
    expect((await t.store.memberships.eligibility(ada, chat)).directAdd).toBe(false)
  })

  it('refuses a rule whose remove_below is above its min_karma, or whose chat is unknown', async () => {
    const t = store()
    const chat = await addActiveChat(t)
    await expect(
      t.store.rules.create({ groupId: null, chatId: chat, minKarma: 10, removeBelow: 11 }, now(t)),
    ).rejects.toMatchObject({ field: 'removeBelow' })
    await expect(
      t.store.rules.create({ groupId: null, chatId: 999, minKarma: 10, removeBelow: null }, now(t)),
    ).rejects.toMatchObject({ name: 'RuleError' })
  })
})

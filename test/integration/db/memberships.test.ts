import { describe, expect, it } from 'vitest'
import {
  ADDED_BY_ACCOUNT_REASON,
  DIRECT_ADD_QUEUED_REASON,
  LINK_ON_SITE_REASON,
  UNAPPROVED_JOIN_REASON,
} from '../../../src/access/membership.js'
import { auditEntry } from '../../../src/audit.js'
import { jobs } from '../../../src/jobs/kinds.js'
import { SECOND } from '../../../src/time.js'
import { addActiveChat, addMember, type ContractStore, describeStore, jobsIn } from '../../support/contract.js'
import { appendEvent } from '../../support/store.js'

let key = 0
/** Moves a member's karma through the ledger (which reconciles, as in production). */
const karma = (t: ContractStore, telegramId: number, delta: number) =>
  appendEvent(t.store, {
    member: { telegramId },
    delta,
    reason: 'test',
    source: 'admin',
    actor: 'test',
    idempotencyKey: `m${String(++key)}`,
  })

/** A member the bot may not write to (seen in a chat, never started the bot). */
const addSilentMember = (t: ContractStore, telegramId: number) =>
  t.store.members.recordSeen({ telegramId, firstName: 'Silent', lastName: null, username: null }, t.now())

const added = (t: ContractStore, memberId: number, chatId: number) =>
  auditEntry(t.now(), 'worker', { action: 'member.add', memberId, chatId, alreadyMember: false })

const refused = (t: ContractStore, memberId: number, chatId: number) =>
  auditEntry(t.now(), 'worker', {
    action: 'member.add_refused',
    memberId,
    chatId,
    reason: 'privacy',
    refusal: 'USER_PRIVACY_RESTRICTED',
  })

describeStore('memberships', (open) => {
  it('has no membership for a member and chat that never met', async () => {
    const t = await open()
    const ada = await addMember(t, 1)
    const chat = await addActiveChat(t)
    expect(await t.store.memberships.get(ada, chat)).toBeUndefined()
  })

  it('sets a member’s state in a chat with why, and sets it again', async () => {
    const t = await open()
    const ada = await addMember(t, 1)
    const chat = await addActiveChat(t)
    await t.store.memberships.set(ada, chat, 'eligible', 'karma reached 10', t.now())
    expect(await t.store.memberships.get(ada, chat)).toEqual({
      memberId: ada,
      chatId: chat,
      state: 'eligible',
      reason: 'karma reached 10',
      updatedAt: t.now(),
    })
    t.advance(5 * SECOND)
    await t.store.memberships.set(ada, chat, 'member', 'approved', t.now())
    expect(await t.store.memberships.get(ada, chat)).toEqual({
      memberId: ada,
      chatId: chat,
      state: 'member',
      reason: 'approved',
      updatedAt: t.now(),
    })
  })

  describe('inviteAndQueue', () => {
    it('marks the member invited and queues the job, together', async () => {
      const t = await open()
      const ada = await addSilentMember(t, 1)
      const chat = await addActiveChat(t)
      await t.store.memberships.inviteAndQueue(ada, chat, DIRECT_ADD_QUEUED_REASON, jobs.memberAdd(ada, chat), t.now())
      expect(await t.store.memberships.get(ada, chat)).toMatchObject({
        state: 'invited',
        reason: DIRECT_ADD_QUEUED_REASON,
      })
      expect(await jobsIn(t.store)).toEqual([['member.add', { memberId: ada, chatId: chat }]])
    })

    it('does not queue the same job twice while it waits', async () => {
      const t = await open()
      const ada = await addSilentMember(t, 1)
      const chat = await addActiveChat(t)
      await t.store.memberships.inviteAndQueue(ada, chat, 'first', jobs.memberAdd(ada, chat), t.now())
      await t.store.memberships.inviteAndQueue(ada, chat, 'second', jobs.memberAdd(ada, chat), t.now())
      expect(await jobsIn(t.store)).toHaveLength(1)
      expect(await t.store.memberships.get(ada, chat)).toMatchObject({ state: 'invited', reason: 'second' })
    })
  })

  describe('queueDirectAdds', () => {
    it('queues member.add for the invited members with only the link whom a direct-add rule lets in, once', async () => {
      const t = await open()
      const chat = await addActiveChat(t)
      const other = await addActiveChat(t, 'Other', -1002)
      await t.store.rules.create(
        { groupId: null, chatId: chat, minKarma: 0, removeBelow: null, directAdd: true },
        t.now(),
      )
      await t.store.rules.create(
        { groupId: null, chatId: other, minKarma: 0, removeBelow: null, directAdd: true },
        t.now(),
      )
      const silent = await addSilentMember(t, 1)
      const writable = await addMember(t, 2) // the bot may write to them: the DM is their way in
      const refusedBefore = await addSilentMember(t, 3)
      const elsewhere = await addSilentMember(t, 4)
      const notYet = await addSilentMember(t, 5)
      for (const id of [silent, writable])
        await t.store.memberships.set(id, chat, 'invited', LINK_ON_SITE_REASON, t.now())
      await t.store.memberships.set(refusedBefore, chat, 'invited', 'Telegram refused the add', t.now())
      await t.store.memberships.set(elsewhere, other, 'invited', LINK_ON_SITE_REASON, t.now())
      await t.store.memberships.set(notYet, chat, 'eligible', 'karma reached 0', t.now())

      expect(await t.store.memberships.queueDirectAdds(chat, t.now())).toBe(1)
      expect(await jobsIn(t.store)).toEqual([['member.add', { memberId: silent, chatId: chat }]])
      expect(await t.store.memberships.get(silent, chat)).toMatchObject({
        state: 'invited',
        reason: DIRECT_ADD_QUEUED_REASON,
      })
      expect(await t.store.memberships.get(writable, chat)).toMatchObject({ reason: LINK_ON_SITE_REASON })
      expect(await t.store.memberships.get(refusedBefore, chat)).toMatchObject({ reason: 'Telegram refused the add' })
      expect(await t.store.memberships.get(elsewhere, other)).toMatchObject({ reason: LINK_ON_SITE_REASON })
      // Done: a second call queues nothing.
      expect(await t.store.memberships.queueDirectAdds(chat, t.now())).toBe(0)
      expect(await jobsIn(t.store)).toHaveLength(1)
    })

    it('asks for direct add only where a rule that admits the member says so', async () => {
      const t = await open()
      const chat = await addActiveChat(t)
      await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 0, removeBelow: null }, t.now())
      await t.store.rules.create(
        { groupId: null, chatId: chat, minKarma: 50, removeBelow: null, directAdd: true },
        t.now(),
      )
      const low = await addSilentMember(t, 1)
      await t.store.memberships.set(low, chat, 'invited', LINK_ON_SITE_REASON, t.now())
      expect(await t.store.memberships.queueDirectAdds(chat, t.now())).toBe(0)
      await karma(t, 1, 60)
      expect(await t.store.memberships.queueDirectAdds(chat, t.now())).toBe(1)
      expect(await jobsIn(t.store)).toContainEqual(['member.add', { memberId: low, chatId: chat }])
    })
  })

  describe('recordAddedByAccount', () => {
    it('makes an invited member a member added by the account, with its audit line; again changes nothing', async () => {
      const t = await open()
      const ada = await addSilentMember(t, 1)
      const chat = await addActiveChat(t)
      await t.store.memberships.set(ada, chat, 'invited', DIRECT_ADD_QUEUED_REASON, t.now())
      t.advance(SECOND)
      expect(await t.store.memberships.recordAddedByAccount(ada, chat, added(t, ada, chat), t.now())).toBe(true)
      expect(await t.store.memberships.get(ada, chat)).toEqual({
        memberId: ada,
        chatId: chat,
        state: 'member',
        reason: ADDED_BY_ACCOUNT_REASON,
        updatedAt: t.now(),
      })
      expect((await t.store.audit.recent(1))[0]).toMatchObject({
        actor: 'worker',
        action: 'member.add',
        subject: `member:${String(ada)}`,
        details: { chatId: chat, alreadyMember: false },
      })
      t.advance(SECOND)
      expect(await t.store.memberships.recordAddedByAccount(ada, chat, added(t, ada, chat), t.now())).toBe(false)
      expect((await t.store.memberships.get(ada, chat))?.updatedAt).toBe(t.now() - SECOND)
    })

    it('also makes an eligible member a member', async () => {
      const t = await open()
      const ada = await addSilentMember(t, 1)
      const chat = await addActiveChat(t)
      await t.store.memberships.set(ada, chat, 'eligible', 'karma reached 0', t.now())
      expect(await t.store.memberships.recordAddedByAccount(ada, chat, added(t, ada, chat), t.now())).toBe(true)
      expect(await t.store.memberships.get(ada, chat)).toMatchObject({
        state: 'member',
        reason: ADDED_BY_ACCOUNT_REASON,
      })
    })

    it('gives the real reason to an arrival a chat_member update recorded as unapproved', async () => {
      const t = await open()
      const ada = await addSilentMember(t, 1)
      const chat = await addActiveChat(t)
      await t.store.memberships.set(ada, chat, 'member', UNAPPROVED_JOIN_REASON, t.now())
      expect(await t.store.memberships.recordAddedByAccount(ada, chat, added(t, ada, chat), t.now())).toBe(true)
      expect(await t.store.memberships.get(ada, chat)).toMatchObject({
        state: 'member',
        reason: ADDED_BY_ACCOUNT_REASON,
      })
    })

    it('leaves a member the bot approved as they are, and still writes the audit line', async () => {
      const t = await open()
      const ada = await addSilentMember(t, 1)
      const chat = await addActiveChat(t)
      await t.store.memberships.set(ada, chat, 'member', 'approved', t.now())
      expect(await t.store.memberships.recordAddedByAccount(ada, chat, added(t, ada, chat), t.now())).toBe(false)
      expect(await t.store.memberships.get(ada, chat)).toMatchObject({ state: 'member', reason: 'approved' })
      expect((await t.store.audit.recent(10)).map((e) => e.action)).toEqual(['member.add'])
    })
  })

  describe('recordAddRefused', () => {
    it('keeps the member invited with why, and writes the audit line', async () => {
      const t = await open()
      const ada = await addSilentMember(t, 1)
      const chat = await addActiveChat(t)
      await t.store.memberships.set(ada, chat, 'invited', DIRECT_ADD_QUEUED_REASON, t.now())
      t.advance(SECOND)
      expect(
        await t.store.memberships.recordAddRefused(ada, chat, 'their privacy settings', refused(t, ada, chat), t.now()),
      ).toBe(true)
      expect(await t.store.memberships.get(ada, chat)).toEqual({
        memberId: ada,
        chatId: chat,
        state: 'invited',
        reason: 'their privacy settings',
        updatedAt: t.now(),
      })
      expect((await t.store.audit.recent(1))[0]).toMatchObject({
        action: 'member.add_refused',
        details: { chatId: chat, refusal: 'USER_PRIVACY_RESTRICTED' },
      })
    })

    it('changes nothing for a member who is not invited', async () => {
      const t = await open()
      const ada = await addSilentMember(t, 1)
      const chat = await addActiveChat(t)
      await t.store.memberships.set(ada, chat, 'member', 'approved', t.now())
      expect(await t.store.memberships.recordAddRefused(ada, chat, 'refused', refused(t, ada, chat), t.now())).toBe(
        false,
      )
      expect(await t.store.memberships.get(ada, chat)).toMatchObject({ state: 'member', reason: 'approved' })
    })
  })

  describe('eligibility', () => {
    it('says a chat no enabled rule manages is left alone', async () => {
      const t = await open()
      const ada = await addMember(t, 1)
      const chat = await addActiveChat(t)
      expect(await t.store.memberships.eligibility(ada, chat)).toEqual({
        eligible: false,
        keep: false,
        managed: false,
        minKarma: null,
        karma: 0,
        directAdd: false,
      })
      await t.store.rules.create(
        { groupId: null, chatId: chat, minKarma: 0, removeBelow: null, enabled: false },
        t.now(),
      )
      expect(await t.store.memberships.eligibility(ada, chat)).toMatchObject({ managed: false, eligible: false })
    })

    it('admits at min_karma and keeps down to remove_below', async () => {
      const t = await open()
      const ada = await addMember(t, 1)
      const chat = await addActiveChat(t)
      await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 100, removeBelow: 50 }, t.now())
      const at = async (delta: number) => {
        await karma(t, 1, delta)
        return t.store.memberships.eligibility(ada, chat)
      }
      expect(await at(99)).toEqual({
        eligible: false,
        keep: true,
        managed: true,
        minKarma: 100,
        karma: 99,
        directAdd: false,
      })
      expect(await at(1)).toMatchObject({ eligible: true, keep: true, karma: 100 })
      expect(await at(-50)).toMatchObject({ eligible: false, keep: true, karma: 50 })
      expect(await at(-1)).toMatchObject({ eligible: false, keep: false, karma: 49 })
    })

    it('takes the best of the chat’s rules: any that admits, any that keeps, the lowest minimum', async () => {
      const t = await open()
      const ada = await addMember(t, 1)
      const chat = await addActiveChat(t)
      const other = await addActiveChat(t, 'Other', -1002)
      await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 30, removeBelow: 25 }, t.now())
      await t.store.rules.create(
        { groupId: null, chatId: chat, minKarma: 10, removeBelow: null, directAdd: true },
        t.now(),
      )
      await t.store.rules.create({ groupId: null, chatId: other, minKarma: -100, removeBelow: null }, t.now())
      await karma(t, 1, 20)
      expect(await t.store.memberships.eligibility(ada, chat)).toEqual({
        eligible: true,
        keep: true,
        managed: true,
        minKarma: 10,
        karma: 20,
        directAdd: true,
      })
    })

    it('counts only the rules that cover the member: their group, and a Telegram id', async () => {
      const t = await open()
      const ada = await addMember(t, 1)
      const bob = await addMember(t, 2)
      const ghost = (await t.store.members.ensureExternal('u-1', t.now())).id
      const chat = await addActiveChat(t)
      const writers = await t.store.groups.create('writers', 'Writers', t.now())
      await t.store.groups.setMemberGroups(ada, [writers.id])
      await t.store.groups.setMemberGroups(ghost, [writers.id])
      await t.store.rules.create({ groupId: writers.id, chatId: chat, minKarma: 0, removeBelow: null }, t.now())
      expect(await t.store.memberships.eligibility(ada, chat)).toMatchObject({
        eligible: true,
        managed: true,
        minKarma: 0,
      })
      expect(await t.store.memberships.eligibility(bob, chat)).toEqual({
        eligible: false,
        keep: false,
        managed: true,
        minKarma: null,
        karma: 0,
        directAdd: false,
      })
      // Without Telegram there is nobody to let in.
      expect(await t.store.memberships.eligibility(ghost, chat)).toMatchObject({ eligible: false, minKarma: null })
    })
  })

  it('lists the active chats a member may join or is in, with their links', async () => {
    const t = await open()
    const ada = await addMember(t, 1)
    const a = await addActiveChat(t, 'Alpha', -1001)
    const b = await addActiveChat(t, 'Beta', -1002)
    const c = await addActiveChat(t, 'Gamma', -1003)
    const d = await addActiveChat(t, 'Delta', -1004)
    const pending = await t.store.chats.create('Pending', '', t.now())
    await t.store.memberships.set(ada, a, 'eligible', 'karma reached 1', t.now())
    await t.store.memberships.set(ada, b, 'invited', 'sent', t.now())
    await t.store.memberships.set(ada, c, 'member', 'approved', t.now())
    await t.store.memberships.set(ada, d, 'removed', 'no longer eligible', t.now())
    await t.store.memberships.set(ada, pending.id, 'eligible', 'karma reached 1', t.now())
    const chats = (await t.store.memberships.openChats(ada)).sort((x, y) => x.chatId - y.chatId)
    expect(chats).toEqual([
      { chatId: a, title: 'Alpha', inviteLink: `https://t.me/+invite${String(a)}`, state: 'eligible' },
      { chatId: b, title: 'Beta', inviteLink: `https://t.me/+invite${String(b)}`, state: 'invited' },
      { chatId: c, title: 'Gamma', inviteLink: `https://t.me/+invite${String(c)}`, state: 'member' },
    ])
    expect(await t.store.memberships.openChats(ada + 100)).toEqual([])
  })

  it('counts members per chat and state', async () => {
    const t = await open()
    const a = await addActiveChat(t, 'A', -1001)
    const b = await addActiveChat(t, 'B', -1002)
    const ids = [await addMember(t, 1), await addMember(t, 2), await addMember(t, 3)]
    await t.store.memberships.set(ids[0]!, a, 'member', 'approved', t.now())
    await t.store.memberships.set(ids[1]!, a, 'member', 'approved', t.now())
    await t.store.memberships.set(ids[2]!, a, 'invited', 'sent', t.now())
    await t.store.memberships.set(ids[0]!, b, 'removed', 'left', t.now())
    const counts = (await t.store.memberships.countsByChat()).sort(
      (x, y) => x.chatId - y.chatId || x.state.localeCompare(y.state),
    )
    expect(counts).toEqual([
      { chatId: a, state: 'invited', count: 1 },
      { chatId: a, state: 'member', count: 2 },
      { chatId: b, state: 'removed', count: 1 },
    ])
  })
})

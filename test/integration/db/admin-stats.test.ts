import { describe, expect, it } from 'vitest'
import { SECOND } from '../../../src/time.js'
import { addActiveChat, addMember, type ContractStore, describeStore } from '../../support/contract.js'
import { appendEvent, appendEvents } from '../../support/store.js'

let key = 0
/** Gives each member (by Telegram id) the karma listed, in one event each. */
async function karmaOf(t: ContractStore, karma: Record<number, number>) {
  for (const [telegramId, delta] of Object.entries(karma)) {
    await appendEvent(t.store, {
      member: { telegramId: Number(telegramId) },
      delta,
      reason: 'seed',
      source: 'admin',
      actor: 'test',
      idempotencyKey: `s${String(++key)}`,
    })
  }
}

describeStore('admin stats', (open) => {
  describe('karmaRange', () => {
    it('has no lowest or highest without members', async () => {
      const t = await open()
      expect(await t.store.adminStats.karmaRange()).toEqual({ members: 0, lowest: null, highest: null })
    })

    it('counts every member, with the lowest and highest karma', async () => {
      const t = await open()
      for (const id of [1, 2, 3, 4]) await addMember(t, id)
      await t.store.members.ensureExternal('u-1', t.now())
      await karmaOf(t, { 1: -40, 2: 15, 3: 300 })
      expect(await t.store.adminStats.karmaRange()).toEqual({ members: 5, lowest: -40, highest: 300 })
    })
  })

  describe('karmaBuckets', () => {
    it('counts members per equal-width bucket from the origin, zeros included', async () => {
      const t = await open()
      for (const id of [1, 2, 3, 4, 5, 6]) await addMember(t, id)
      // 0 (member 6), 9, 10, 29, 30, 35
      await karmaOf(t, { 1: 9, 2: 10, 3: 29, 4: 30, 5: 35 })
      expect(await t.store.adminStats.karmaBuckets(0, 10, 4)).toEqual({ origin: 0, width: 10, counts: [2, 1, 1, 2] })
      expect(await t.store.adminStats.karmaBuckets(0, 10, 6)).toEqual({
        origin: 0,
        width: 10,
        counts: [2, 1, 1, 2, 0, 0],
      })
    })

    it('leaves out karma below the origin and beyond the last bucket', async () => {
      const t = await open()
      for (const id of [1, 2, 3, 4, 5]) await addMember(t, id)
      await karmaOf(t, { 1: -21, 2: -20, 3: -1, 4: 19, 5: 20 })
      // Buckets [-20, 0) and [0, 20): -21 and 20 are outside.
      expect(await t.store.adminStats.karmaBuckets(-20, 20, 2)).toEqual({ origin: -20, width: 20, counts: [2, 1] })
      // A negative karma in a bucket of its own, counted by its floor.
      expect((await t.store.adminStats.karmaBuckets(-25, 5, 2)).counts).toEqual([1, 1])
    })

    it('gives no buckets for a count of 0', async () => {
      const t = await open()
      await addMember(t, 1)
      expect(await t.store.adminStats.karmaBuckets(0, 10, 0)).toEqual({ origin: 0, width: 10, counts: [] })
    })
  })

  describe('recentKarmaEvents', () => {
    it('gives a member’s newest events first, up to the limit, times in ms', async () => {
      const t = await open()
      const ada = await addMember(t, 1)
      await addMember(t, 2)
      const events = []
      for (const [i, delta] of [5, -2, 7, 1].entries()) {
        const results = await appendEvents(t.store, [
          {
            member: { telegramId: 1 },
            delta,
            reason: `r${String(i)}`,
            source: 'api',
            actor: 'site',
            idempotencyKey: `a${String(i)}`,
          },
          {
            member: { telegramId: 2 },
            delta: 1,
            reason: 'other',
            source: 'api',
            actor: 'site',
            idempotencyKey: `b${String(i)}`,
          },
        ])
        events.push(results[0]!.event)
        t.advance(SECOND)
      }
      const newestFirst = [...events].reverse()
      expect(await t.store.adminStats.recentKarmaEvents(ada, 10)).toEqual(newestFirst)
      expect(await t.store.adminStats.recentKarmaEvents(ada, 2)).toEqual(newestFirst.slice(0, 2))
      expect(await t.store.adminStats.recentKarmaEvents(ada, 1)).toEqual(newestFirst.slice(0, 1))
      expect(newestFirst[0]).toMatchObject({ memberId: ada, delta: 1, karmaAfter: 11, createdAt: t.now() - SECOND })
    })

    it('gives nothing for a limit of 0', async () => {
      const t = await open()
      await addMember(t, 1)
      const [result] = await appendEvents(t.store, [
        { member: { telegramId: 1 }, delta: 5, reason: 'r', source: 'api', actor: 'site', idempotencyKey: 'only' },
      ])
      expect(await t.store.adminStats.recentKarmaEvents(result!.member.id, 0)).toEqual([])
    })

    it('gives nothing for a member without events, or without a row', async () => {
      const t = await open()
      const ada = await addMember(t, 1)
      expect(await t.store.adminStats.recentKarmaEvents(ada, 10)).toEqual([])
      expect(await t.store.adminStats.recentKarmaEvents(ada + 100, 10)).toEqual([])
    })
  })

  describe('memberChats', () => {
    it('lists every chat the member has a membership in, whatever its state, with its title and time in ms', async () => {
      const t = await open()
      const ada = await addMember(t, 1)
      const bob = await addMember(t, 2)
      const lounge = await addActiveChat(t, 'Lounge', -1001)
      const vip = await addActiveChat(t, 'VIP', -1002)
      const pending = await t.store.chats.create('Pending', '', t.now())
      const quiet = await addActiveChat(t, 'Quiet', -1003)
      await t.store.memberships.set(ada, lounge, 'member', 'approved', t.now())
      t.advance(SECOND)
      await t.store.memberships.set(ada, vip, 'removed', 'no longer eligible', t.now())
      await t.store.memberships.set(ada, pending.id, 'eligible', 'karma reached 0', t.now())
      await t.store.memberships.set(bob, quiet, 'invited', 'sent', t.now())
      const chats = (await t.store.adminStats.memberChats(ada)).sort((a, b) => a.chatId - b.chatId)
      expect(chats).toEqual([
        { chatId: lounge, chatTitle: 'Lounge', state: 'member', reason: 'approved', updatedAt: t.now() - SECOND },
        { chatId: vip, chatTitle: 'VIP', state: 'removed', reason: 'no longer eligible', updatedAt: t.now() },
        { chatId: pending.id, chatTitle: 'Pending', state: 'eligible', reason: 'karma reached 0', updatedAt: t.now() },
      ])
      expect(await t.store.adminStats.memberChats(ada + 100)).toEqual([])
    })
  })
})

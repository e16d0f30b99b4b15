import { describe, expect, it } from 'vitest'
import type { CompletedLogin } from '../../../src/db/logins.js'
import type { TelegramProfile } from '../../../src/db/members.js'
import { HOUR, SECOND } from '../../../src/time.js'
import { appendEvent } from '../../support/store.js'
import { addActiveChat, addMember, allKarmaEvents, type ContractStore, describeStore } from '../../support/contract.js'

const NOW = 1_900_000_000_000

const profile = (telegramId: number, over: Partial<TelegramProfile> = {}): TelegramProfile => ({
  telegramId,
  firstName: 'Ada',
  lastName: null,
  username: null,
  photoUrl: null,
  allowsWriteToPm: false,
  ...over,
})

/** Times in ms, as the store takes them. */
function login(hash: string, signedAt: number, telegramId = 5001, over: Partial<CompletedLogin> = {}): CompletedLogin {
  return {
    hash,
    signedAt,
    hashExpiresAt: signedAt + 601_000,
    profile: profile(telegramId),
    session: { idHash: `session-${hash}`, data: {}, expiresAt: NOW + 3_600_000 },
    previousSessionIdHash: undefined,
    ...over,
  }
}

/** Karma for a member, by any reference, through the ledger's one way in. */
let key = 0
const karma = (t: ContractStore, member: { telegramId: number } | { externalId: string }, delta: number) =>
  appendEvent(t.store, {
    member,
    delta,
    reason: 'test',
    source: 'api',
    actor: 'site',
    idempotencyKey: `k${String(++key)}`,
  })

describeStore('logins', (open) => {
  describe('complete', () => {
    it('creates the member, opens their session and ends the previous one, together', async () => {
      const t = await open({ startMs: NOW })
      await t.store.sessions.create(
        { idHash: 'before', userId: null, data: { returnTo: '/me' }, expiresAt: NOW + HOUR },
        NOW,
      )
      const result = await t.store.logins.complete(
        login('a'.repeat(64), NOW - 5 * SECOND, 77, {
          profile: profile(77, {
            firstName: 'Grace',
            lastName: 'Hopper',
            username: 'grace',
            photoUrl: 'https://t.me/i/g.jpg',
          }),
          session: { idHash: 'after', data: { returnTo: '/chats' }, expiresAt: NOW + HOUR },
          previousSessionIdHash: 'before',
        }),
        NOW,
      )
      expect(result).toMatchObject({ ok: true })
      if (!result.ok) return
      expect(await t.store.members.findById(result.userId)).toMatchObject({
        telegramId: 77,
        firstName: 'Grace',
        lastName: 'Hopper',
        username: 'grace',
        photoUrl: 'https://t.me/i/g.jpg',
        createdAt: NOW,
        lastLoginAt: NOW,
      })
      expect(await t.store.sessions.find('after', NOW)).toEqual({
        idHash: 'after',
        userId: result.userId,
        data: { returnTo: '/chats' },
        expiresAt: NOW + HOUR,
      })
      expect(await t.store.sessions.find('before', NOW)).toBeUndefined()
    })

    it('logs a known member in again under the same id, refreshing their profile', async () => {
      const t = await open({ startMs: NOW })
      const id = await addMember(t, 77)
      t.advance(HOUR)
      const result = await t.store.logins.complete(
        login('b'.repeat(64), t.now(), 77, { profile: profile(77, { firstName: 'Renamed', username: 'new' }) }),
        t.now(),
      )
      expect(result).toEqual({ ok: true, userId: id })
      expect(await t.store.members.findById(id)).toMatchObject({
        firstName: 'Renamed',
        username: 'new',
        createdAt: NOW,
        lastLoginAt: NOW + HOUR,
      })
    })

    it('lets the bot write to a member who allowed it during the login; a later login without it does not take it back', async () => {
      const t = await open({ startMs: NOW })
      const first = await t.store.logins.complete(
        login('c'.repeat(64), NOW, 9, { profile: profile(9, { allowsWriteToPm: true }) }),
        NOW,
      )
      if (!first.ok) throw new Error('refused')
      expect((await t.store.members.findById(first.userId))?.canDm).toBe(true)
      await t.store.logins.complete(login('d'.repeat(64), NOW, 9), NOW)
      expect((await t.store.members.findById(first.userId))?.canDm).toBe(true)
    })

    // Moved from login-replays.test.ts.
    it('refuses the same signed login twice, and accepts another hash of the same second', async () => {
      const { store: s } = await open({ startMs: NOW })
      await expect(s.logins.complete(login('a'.repeat(64), NOW), NOW)).resolves.toMatchObject({ ok: true })
      await expect(s.logins.complete(login('a'.repeat(64), NOW), NOW)).resolves.toEqual({
        ok: false,
        reason: 'replayed',
      })
      await expect(s.logins.complete(login('b'.repeat(64), NOW), NOW)).resolves.toMatchObject({ ok: true })
    })

    it('writes nothing for a replay: no member change, no session, the previous session kept', async () => {
      const t = await open({ startMs: NOW })
      const first = await t.store.logins.complete(login('e'.repeat(64), NOW, 11), NOW)
      if (!first.ok) throw new Error('refused')
      await t.store.sessions.create({ idHash: 'keep-me', userId: null, data: {}, expiresAt: NOW + HOUR }, NOW)
      const replay = await t.store.logins.complete(
        login('e'.repeat(64), NOW, 11, {
          profile: profile(11, { firstName: 'Mallory' }),
          session: { idHash: 'stolen', data: {}, expiresAt: NOW + HOUR },
          previousSessionIdHash: 'keep-me',
        }),
        NOW + SECOND,
      )
      expect(replay).toEqual({ ok: false, reason: 'replayed' })
      expect(await t.store.members.findById(first.userId)).toMatchObject({ firstName: 'Ada', lastLoginAt: NOW })
      expect(await t.store.sessions.find('stolen', NOW)).toBeUndefined()
      expect(await t.store.sessions.find('keep-me', NOW)).toBeDefined()
    })

    it('commits logins of the same moment together, each its own outcome', async () => {
      const t = await open({ startMs: NOW })
      const outcomes = await Promise.all([
        t.store.logins.complete(login('1'.repeat(64), NOW, 21), NOW),
        t.store.logins.complete(login('2'.repeat(64), NOW, 22), NOW),
        t.store.logins.complete(login('1'.repeat(64), NOW, 21), NOW),
      ])
      expect(outcomes.map((o) => o.ok)).toEqual([true, true, false])
      expect(await t.store.sessions.find('session-' + '1'.repeat(64), NOW)).toBeDefined()
      expect(await t.store.sessions.find('session-' + '2'.repeat(64), NOW)).toBeDefined()
    })
  })

  describe('purgeExpired', () => {
    // Moved from login-replays.test.ts (which also counted the rows left: none).
    it('forgets a hash once its URL has expired', async () => {
      const t = await open({ startMs: NOW })
      await t.store.logins.complete(login('c'.repeat(64), NOW), NOW)
      expect(await t.store.logins.purgeExpired(NOW + 600_000)).toBe(0)
      expect(await t.store.logins.purgeExpired(NOW + 601_000)).toBe(1)
      // Forgotten: nothing left to purge, and (long expired anyway) the hash is no longer a replay.
      expect(await t.store.logins.purgeExpired(NOW + 601_000)).toBe(0)
      const again = login('c'.repeat(64), NOW, 5001, {
        session: { idHash: 'again', data: {}, expiresAt: NOW + 3_600_000 },
      })
      await expect(t.store.logins.complete(again, NOW + 601_000)).resolves.toMatchObject({ ok: true })
    })
  })

  describe('linkExternalId', () => {
    it('attaches an external id nobody has: changed, nothing merged', async () => {
      const t = await open()
      const id = await addMember(t, 1)
      expect(await t.store.logins.linkExternalId(id, 'u-1', t.now())).toEqual({
        ok: true,
        memberId: id,
        externalId: 'u-1',
        changed: true,
        merged: null,
      })
      expect((await t.store.members.findByExternalId('u-1'))?.id).toBe(id)
    })

    it('is idempotent: the member’s own external id again changes nothing', async () => {
      const t = await open()
      const id = await addMember(t, 1)
      await t.store.logins.linkExternalId(id, 'u-1', t.now())
      expect(await t.store.logins.linkExternalId(id, 'u-1', t.now())).toEqual({
        ok: true,
        memberId: id,
        externalId: 'u-1',
        changed: false,
        merged: null,
      })
    })

    it('refuses, changing nothing, a member who already has another external id', async () => {
      const t = await open()
      const id = await addMember(t, 1)
      await t.store.logins.linkExternalId(id, 'u-1', t.now())
      await t.store.members.ensureExternal('u-2', t.now())
      await karma(t, { externalId: 'u-2' }, 5)
      expect(await t.store.logins.linkExternalId(id, 'u-2', t.now())).toEqual({
        ok: false,
        reason: 'member_already_linked',
      })
      expect(await t.store.members.findById(id)).toMatchObject({ externalId: 'u-1', karma: 0 })
      expect(await t.store.members.findByExternalId('u-2')).toMatchObject({ telegramId: null, karma: 5 })
    })

    it('refuses, changing nothing, an external id a member with Telegram holds', async () => {
      const t = await open()
      const ada = await addMember(t, 1)
      const bob = await addMember(t, 2)
      await t.store.logins.linkExternalId(bob, 'u-2', t.now())
      await karma(t, { telegramId: 2 }, 3)
      expect(await t.store.logins.linkExternalId(ada, 'u-2', t.now())).toEqual({
        ok: false,
        reason: 'external_id_taken',
      })
      expect(await t.store.members.findById(ada)).toMatchObject({ externalId: null, karma: 0 })
      expect(await t.store.members.findById(bob)).toMatchObject({ externalId: 'u-2', karma: 3 })
    })

    it('merges the member known only by the external id: karma, events, groups and memberships move over, its row goes', async () => {
      const t = await open()
      const ada = await addMember(t, 1)
      const chat = await addActiveChat(t, 'Lounge')
      const other = await addActiveChat(t, 'Other', -1001000000002)
      const group = await t.store.groups.create('writers', 'Writers', t.now())
      const reviewers = await t.store.groups.create('reviewers', 'Reviewers', t.now())
      // Ada has a group, a membership and events of her own.
      await t.store.groups.setMemberGroups(ada, [reviewers.id])
      await t.store.memberships.set(ada, other, 'member', 'approved', t.now())
      const mine = await karma(t, { telegramId: 1 }, 4)
      // The site pushed karma, groups and a membership for u-9 before Ada linked it.
      const first = await karma(t, { externalId: 'u-9' }, 10)
      const ghost = first.member.id
      await karma(t, { telegramId: 1 }, 1)
      const second = await karma(t, { externalId: 'u-9' }, -3)
      await t.store.groups.setMemberGroups(ghost, [group.id])
      await t.store.memberships.set(ghost, chat, 'eligible', 'karma reached 5', t.now())

      const outcome = await t.store.logins.linkExternalId(ada, 'u-9', t.now())
      expect(outcome).toEqual({
        ok: true,
        memberId: ada,
        externalId: 'u-9',
        changed: true,
        merged: { memberId: ghost, karma: 7 },
      })
      expect(await t.store.members.findById(ghost)).toBeUndefined()
      expect(await t.store.members.findByExternalId('u-9')).toMatchObject({ id: ada, telegramId: 1, karma: 12 })
      expect(await t.store.karma.ledgerSum(ada)).toBe(12)
      // Both ledgers are one now, newest first.
      expect((await allKarmaEvents(t.store, ada)).map((e) => e.id)).toEqual(
        [second.event.id, first.event.id + 1, first.event.id, mine.event.id].sort((a, b) => b - a),
      )
      expect((await t.store.groups.ofMember(ada)).map((g) => g.slug).sort()).toEqual(['reviewers', 'writers'])
      expect(await t.store.memberships.get(ada, chat)).toMatchObject({ state: 'eligible', reason: 'karma reached 5' })
      expect(await t.store.memberships.get(ada, other)).toMatchObject({ state: 'member' })
      await t.expectLedgerIntact()
      // Karma the site sends for u-9 from now on is Ada's.
      expect((await karma(t, { externalId: 'u-9' }, 2)).member).toMatchObject({ id: ada, karma: 14 })
      await t.expectLedgerIntact()
    })

    it('merges a member known only by the external id who has no karma yet', async () => {
      const t = await open()
      const ada = await addMember(t, 1)
      const ghost = await t.store.members.ensureExternal('u-0', t.now())
      expect(await t.store.logins.linkExternalId(ada, 'u-0', t.now())).toMatchObject({
        ok: true,
        changed: true,
        merged: { memberId: ghost.id, karma: 0 },
      })
      expect(await t.store.members.findById(ghost.id)).toBeUndefined()
      expect((await t.store.members.findByExternalId('u-0'))?.id).toBe(ada)
    })
  })
})

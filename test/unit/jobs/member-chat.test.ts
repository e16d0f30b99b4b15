import { describe, expect, it } from 'vitest'
import type { Eligibility } from '../../../src/access/eligibility.js'
import type { Membership } from '../../../src/access/membership.js'
import type { Chat } from '../../../src/db/chats.js'
import type { Member } from '../../../src/db/members.js'
import { PermanentJobError } from '../../../src/jobs/errors.js'
import { loadMemberChat } from '../../../src/jobs/member-chat.js'
import { fakeStore, namesOf } from '../fakes.js'

const MEMBER: Member = {
  id: 12,
  telegramId: 424242,
  externalId: null,
  firstName: 'Ada',
  lastName: null,
  username: 'ada_l',
  photoUrl: null,
  karma: 30,
  canDm: true,
  createdAt: 1,
  lastLoginAt: null,
}
const CHAT: Chat = {
  id: 3,
  title: 'Inner circle',
  description: '',
  state: 'active',
  telegramChatId: -1001,
  inviteLink: null,
  botStatus: 'administrator',
  botCanInvite: true,
  botCanRestrict: true,
  lastError: null,
  createdAt: 1,
}
const MEMBERSHIP: Membership = { memberId: 12, chatId: 3, state: 'invited', reason: 'karma reached 20', updatedAt: 5 }
const ELIGIBILITY: Eligibility = {
  eligible: true,
  keep: true,
  managed: true,
  minKarma: 20,
  karma: 30,
  directAdd: false,
}

/** A store that knows `member` and `chat` (or not). */
function storeWith(options: { member?: Member; chat?: Chat; membership?: Membership }) {
  return fakeStore({
    members: { findById: (id) => Promise.resolve(id === options.member?.id ? options.member : undefined) },
    chats: { findById: (id) => Promise.resolve(id === options.chat?.id ? options.chat : undefined) },
    memberships: {
      get: () => Promise.resolve(options.membership),
      eligibility: () => Promise.resolve(ELIGIBILITY),
    },
  })
}

describe('loadMemberChat', () => {
  it("reads the member, the chat, their membership and what the rules say, for the payload's ids", async () => {
    const { store, calls } = storeWith({ member: MEMBER, chat: CHAT, membership: MEMBERSHIP })
    const state = await loadMemberChat({ store, clock: () => 1_700_000_000_000 }, { memberId: 12, chatId: 3 })
    expect(state).toEqual({
      member: MEMBER,
      chat: CHAT,
      membership: MEMBERSHIP,
      eligibility: ELIGIBILITY,
      now: 1_700_000_000_000,
    })
    expect(calls).toEqual([
      ['members.findById', 12],
      ['chats.findById', 3],
      ['memberships.get', 12, 3],
      ['memberships.eligibility', 12, 3],
    ])
  })

  it('takes a member with no membership in the chat yet', async () => {
    const { store } = storeWith({ member: MEMBER, chat: CHAT })
    expect((await loadMemberChat({ store }, { memberId: 12, chatId: 3 })).membership).toBeUndefined()
  })

  it('tells the time by Date.now without a clock', async () => {
    const { store } = storeWith({ member: MEMBER, chat: CHAT })
    const before = Date.now()
    const { now } = await loadMemberChat({ store }, { memberId: 12, chatId: 3 })
    expect(now).toBeGreaterThanOrEqual(before)
    expect(now).toBeLessThanOrEqual(Date.now())
  })

  it.each([
    ['member', { chat: CHAT }],
    ['chat', { member: MEMBER }],
  ])('a %s that no longer exists is a permanent error', async (_what, known) => {
    const { store } = storeWith(known)
    const loading = loadMemberChat({ store }, { memberId: 12, chatId: 3 })
    await expect(loading).rejects.toBeInstanceOf(PermanentJobError)
    await expect(loading).rejects.toThrow('member 12 or chat 3 does not exist')
  })

  it('refuses a malformed payload as permanent before reading anything', async () => {
    const { store, calls } = storeWith({ member: MEMBER, chat: CHAT })
    await expect(loadMemberChat({ store }, { memberId: '12', chatId: 3 })).rejects.toBeInstanceOf(PermanentJobError)
    expect(namesOf(calls)).toEqual([])
  })
})

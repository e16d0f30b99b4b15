import { describe, expect, it } from 'vitest'
import { LINK_ON_SITE_REASON } from '../../../../src/access/membership.js'
import { jobs, type NewJob } from '../../../../src/jobs/kinds.js'
import { addActiveChat, addMember, type TestStore, testStores } from '../../../support/store.js'

const store = testStores()
const now = (t: TestStore) => t.now()

/** The stored jobs as the constructors describe them. */
function stored(t: TestStore): NewJob[] {
  return t.db
    .prepare<[], { kind: string; owner: 'bot' | 'worker'; payload: string; dedupe_key: string; lane: string | null }>(
      'SELECT kind, owner, payload, dedupe_key, lane FROM jobs ORDER BY id',
    )
    .all()
    .map((r) => ({
      kind: r.kind,
      owner: r.owner,
      payload: JSON.parse(r.payload) as unknown,
      dedupeKey: r.dedupe_key,
      ...(r.lane === null ? {} : { lane: r.lane }),
    }))
}

describe('jobs queued by set-based SQL', () => {
  it('are the jobs the constructors of src/jobs/kinds.ts make: chat.create, member.invite, member.remove', async () => {
    const t = store()
    const ada = await addMember(t, 1)
    const bob = await addMember(t, 2)
    const chat = await addActiveChat(t)
    const pending = await t.store.chats.create('Not yet made', '', now(t))
    await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 0, removeBelow: 0 }, now(t))
    await t.store.rules.create({ groupId: null, chatId: pending.id, minKarma: 0, removeBelow: null }, now(t))
    await t.store.memberships.set(bob, chat, 'member', 'approved', now(t))
    t.db.prepare('UPDATE users SET karma = -1 WHERE id = ?').run(bob)
    await t.store.reconcile.run({ kind: 'all' }, t.now())
    expect(stored(t)).toEqual([jobs.chatCreate(pending.id), jobs.memberInvite(ada, chat), jobs.memberRemove(bob, chat)])
  })

  it("are the constructors' member.add for direct adds", async () => {
    const t = store()
    const ada = await addMember(t, 1)
    const chat = await addActiveChat(t)
    await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 0, removeBelow: null, directAdd: true }, now(t))
    await t.store.memberships.set(ada, chat, 'invited', LINK_ON_SITE_REASON, now(t))
    await t.store.members.setCanDm(1, false, now(t))
    t.db.prepare('DELETE FROM jobs').run()
    expect(await t.store.memberships.queueDirectAdds(chat, t.now())).toBe(1)
    expect(stored(t)).toEqual([jobs.memberAdd(ada, chat)])
  })
})

import { describe, expect, it } from 'vitest'
import { setMemberGroups, UnknownGroupError } from '../../../src/access/set-member-groups.js'
import type { Group } from '../../../src/db/groups.js'
import { fakeStore, namesOf } from '../fakes.js'

const NOW = 1_700_000_000_000
const GROUPS: Group[] = [
  { id: 1, slug: 'webmasters', name: 'Webmasters' },
  { id: 2, slug: 'clients', name: 'Clients' },
  { id: 3, slug: 'authors', name: 'Authors' },
]

/** A store with {@link GROUPS}, whose member 12 is in `current`. */
function storeWith(current: Group[]) {
  return fakeStore({
    groups: {
      list: () => Promise.resolve(GROUPS),
      ofMember: () => Promise.resolve(current),
      setMemberGroups: () => Promise.resolve(),
    },
    audit: { record: () => Promise.resolve() },
    reconcile: { run: () => Promise.resolve({ chatsToCreate: 0, invitesQueued: 0, removalsQueued: 0, withdrawn: 0 }) },
  })
}

describe('setMemberGroups', () => {
  it("sets the member's groups to exactly the slugs, records before and after, then reconciles the member", async () => {
    const { store, calls } = storeWith([GROUPS[0]!])
    const slugs = await setMemberGroups(store, {
      memberId: 12,
      slugs: ['webmasters', 'authors', 'webmasters'],
      actor: 'admin:1',
      now: NOW,
    })
    expect([...slugs].sort()).toEqual(['authors', 'webmasters'])
    expect(calls).toEqual([
      ['groups.list'],
      ['groups.ofMember', 12],
      ['groups.setMemberGroups', 12, [1, 3]],
      [
        'audit.record',
        {
          at: NOW,
          actor: 'admin:1',
          action: 'member.groups',
          subject: 'member:12',
          details: { before: ['webmasters'], after: ['authors', 'webmasters'] },
        },
      ],
      ['reconcile.run', { kind: 'members', memberIds: [12] }, NOW],
    ])
  })

  it('takes no slugs as no group at all', async () => {
    const { store, calls } = storeWith([GROUPS[1]!])
    expect(await setMemberGroups(store, { memberId: 12, slugs: [], actor: 'api', now: NOW })).toEqual([])
    expect(calls[2]).toEqual(['groups.setMemberGroups', 12, []])
    expect(calls[3]?.[1]).toMatchObject({ details: { before: ['clients'], after: [] } })
  })

  it('throws UnknownGroupError for a slug that is no group, before changing or recording anything', async () => {
    const { store, calls } = storeWith([GROUPS[0]!])
    const setting = setMemberGroups(store, {
      memberId: 12,
      slugs: ['clients', 'partners', 'gone'],
      actor: 'admin:1',
      now: NOW,
    })
    await expect(setting).rejects.toBeInstanceOf(UnknownGroupError)
    await expect(setting).rejects.toMatchObject({ slug: 'partners', message: 'There is no group "partners".' })
    expect(namesOf(calls)).toEqual(['groups.list'])
  })
})

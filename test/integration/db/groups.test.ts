import { expect, it } from 'vitest'
import { addMember, describeStore } from '../../support/contract.js'

describeStore('groups', (open) => {
  it('starts with the taxonomy’s groups, webmasters and clients (the site creates none)', async () => {
    const t = await open()
    expect((await t.store.groups.list()).map((g) => [g.slug, g.name]).sort()).toEqual([
      ['clients', 'Clients'],
      ['webmasters', 'Webmasters'],
    ])
  })

  it('creates a group, lists it and finds it by slug; an unknown slug is undefined', async () => {
    const t = await open()
    const group = await t.store.groups.create('writers', 'Writers', t.now())
    expect(group).toEqual({ id: group.id, slug: 'writers', name: 'Writers' })
    expect(await t.store.groups.findBySlug('writers')).toEqual(group)
    expect(await t.store.groups.list()).toContainEqual(group)
    expect(await t.store.groups.findBySlug('nobody')).toBeUndefined()
  })

  it('sets a member’s groups to exactly those given, replacing the ones before', async () => {
    const t = await open()
    const ada = await addMember(t, 1)
    const bob = await addMember(t, 2)
    const a = await t.store.groups.create('a-team', 'A', t.now())
    const b = await t.store.groups.create('b-team', 'B', t.now())
    const c = await t.store.groups.create('c-team', 'C', t.now())
    expect(await t.store.groups.ofMember(ada)).toEqual([])
    await t.store.groups.setMemberGroups(ada, [a.id, b.id])
    await t.store.groups.setMemberGroups(bob, [c.id])
    expect((await t.store.groups.ofMember(ada)).sort((x, y) => x.id - y.id)).toEqual([a, b])
    await t.store.groups.setMemberGroups(ada, [b.id, c.id])
    expect((await t.store.groups.ofMember(ada)).sort((x, y) => x.id - y.id)).toEqual([b, c])
    // Another member's groups are their own.
    expect(await t.store.groups.ofMember(bob)).toEqual([c])
    await t.store.groups.setMemberGroups(ada, [])
    expect(await t.store.groups.ofMember(ada)).toEqual([])
    expect(await t.store.groups.ofMember(bob)).toEqual([c])
  })

  it('takes a group given twice once', async () => {
    const t = await open()
    const ada = await addMember(t, 1)
    const a = await t.store.groups.create('a-team', 'A', t.now())
    await t.store.groups.setMemberGroups(ada, [a.id, a.id])
    expect(await t.store.groups.ofMember(ada)).toEqual([a])
  })

  it('sets a member’s groups in one transaction: a group that does not exist changes nothing', async () => {
    const t = await open()
    const ada = await addMember(t, 1)
    const a = await t.store.groups.create('a-team', 'A', t.now())
    const b = await t.store.groups.create('b-team', 'B', t.now())
    await t.store.groups.setMemberGroups(ada, [a.id])
    await expect(t.store.groups.setMemberGroups(ada, [b.id, b.id + 1000])).rejects.toThrow()
    expect(await t.store.groups.ofMember(ada)).toEqual([a])
  })
})

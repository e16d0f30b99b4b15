import { expect, it } from 'vitest'
import { RuleError } from '../../../src/access/rules.js'
import { addActiveChat, describeStore } from '../../support/contract.js'

describeStore('rules', (open) => {
  it('stores a rule: enabled, without direct add unless asked', async () => {
    const t = await open()
    const chat = await addActiveChat(t)
    const rule = await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 100, removeBelow: 50 }, t.now())
    expect(rule).toEqual({
      id: rule.id,
      groupId: null,
      chatId: chat,
      minKarma: 100,
      removeBelow: 50,
      enabled: true,
      directAdd: false,
    })
    expect(await t.store.rules.findById(rule.id)).toEqual(rule)
    const group = await t.store.groups.create('writers', 'Writers', t.now())
    expect(
      await t.store.rules.create(
        { groupId: group.id, chatId: chat, minKarma: -5, removeBelow: null, enabled: false, directAdd: true },
        t.now(),
      ),
    ).toMatchObject({ groupId: group.id, minKarma: -5, removeBelow: null, enabled: false, directAdd: true })
  })

  it('finds no rule by an id nobody has; lists every rule, and a chat’s own', async () => {
    const t = await open()
    const one = await addActiveChat(t, 'One', -1001)
    const two = await addActiveChat(t, 'Two', -1002)
    const a = await t.store.rules.create({ groupId: null, chatId: one, minKarma: 10, removeBelow: null }, t.now())
    const b = await t.store.rules.create({ groupId: null, chatId: two, minKarma: 20, removeBelow: null }, t.now())
    const c = await t.store.rules.create({ groupId: null, chatId: one, minKarma: 5, removeBelow: 0 }, t.now())
    expect(await t.store.rules.findById(c.id + 1)).toBeUndefined()
    expect((await t.store.rules.list()).sort((x, y) => x.id - y.id)).toEqual([a, b, c])
    expect((await t.store.rules.forChat(one)).sort((x, y) => x.id - y.id)).toEqual([a, c])
    expect(await t.store.rules.forChat(two)).toEqual([b])
    expect(await t.store.rules.forChat(two + 100)).toEqual([])
  })

  it.each([
    ['remove_below above min_karma', { minKarma: 10, removeBelow: 11 }, 'removeBelow'],
    ['a fractional min_karma', { minKarma: 1.5, removeBelow: null }, 'minKarma'],
    ['a min_karma beyond the bound', { minKarma: 2_000_000_000, removeBelow: null }, 'minKarma'],
    ['a fractional remove_below', { minKarma: 10, removeBelow: 0.5 }, 'removeBelow'],
  ] as const)('refuses %s with a RuleError naming the field, storing nothing', async (_name, numbers, field) => {
    const t = await open()
    const chat = await addActiveChat(t)
    const err = await t.store.rules
      .create({ groupId: null, chatId: chat, ...numbers }, t.now())
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RuleError)
    expect(err).toMatchObject({ field })
    expect(await t.store.rules.list()).toEqual([])
  })

  it('refuses a rule whose chat or group is unknown, storing nothing', async () => {
    const t = await open()
    const chat = await addActiveChat(t)
    await expect(
      t.store.rules.create({ groupId: null, chatId: chat + 100, minKarma: 10, removeBelow: null }, t.now()),
    ).rejects.toBeInstanceOf(RuleError)
    await expect(
      t.store.rules.create({ groupId: 9999, chatId: chat, minKarma: 10, removeBelow: null }, t.now()),
    ).rejects.toBeInstanceOf(RuleError)
    expect(await t.store.rules.list()).toEqual([])
  })

  it('changes a rule; an id nobody has resolves to undefined', async () => {
    const t = await open()
    const chat = await addActiveChat(t)
    const other = await addActiveChat(t, 'Other', -1002)
    const rule = await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 100, removeBelow: 50 }, t.now())
    const updated = await t.store.rules.update(
      rule.id,
      { groupId: null, chatId: other, minKarma: 200, removeBelow: null, enabled: false },
      t.now(),
    )
    expect(updated).toEqual({ ...rule, chatId: other, minKarma: 200, removeBelow: null, enabled: false })
    expect(await t.store.rules.findById(rule.id)).toEqual(updated)
    expect(await t.store.rules.forChat(chat)).toEqual([])
    expect(
      await t.store.rules.update(rule.id + 1, { groupId: null, chatId: chat, minKarma: 1, removeBelow: null }, t.now()),
    ).toBeUndefined()
    expect(await t.store.rules.list()).toEqual([updated])
  })

  it('keeps direct add on an edit that does not say, and changes it on one that does', async () => {
    const t = await open()
    const chat = await addActiveChat(t)
    const rule = await t.store.rules.create(
      { groupId: null, chatId: chat, minKarma: 100, removeBelow: null, directAdd: true },
      t.now(),
    )
    const input = { groupId: null, chatId: chat, minKarma: 90, removeBelow: null }
    expect((await t.store.rules.update(rule.id, input, t.now()))?.directAdd).toBe(true)
    expect((await t.store.rules.update(rule.id, { ...input, directAdd: false }, t.now()))?.directAdd).toBe(false)
    expect((await t.store.rules.update(rule.id, input, t.now()))?.directAdd).toBe(false)
    expect((await t.store.rules.update(rule.id, { ...input, directAdd: true }, t.now()))?.directAdd).toBe(true)
  })

  it('validates an edit first: bad numbers or an unknown chat or group change nothing', async () => {
    const t = await open()
    const chat = await addActiveChat(t)
    const rule = await t.store.rules.create({ groupId: null, chatId: chat, minKarma: 100, removeBelow: 50 }, t.now())
    await expect(
      t.store.rules.update(rule.id, { groupId: null, chatId: chat, minKarma: 10, removeBelow: 20 }, t.now()),
    ).rejects.toMatchObject({ name: 'RuleError', field: 'removeBelow' })
    await expect(
      t.store.rules.update(rule.id, { groupId: null, chatId: chat + 100, minKarma: 10, removeBelow: null }, t.now()),
    ).rejects.toBeInstanceOf(RuleError)
    await expect(
      t.store.rules.update(rule.id, { groupId: 9999, chatId: chat, minKarma: 10, removeBelow: null }, t.now()),
    ).rejects.toBeInstanceOf(RuleError)
    expect(await t.store.rules.findById(rule.id)).toEqual(rule)
  })
})

import { expect, it } from 'vitest'
import type { BotContact } from '../../../src/db/members.js'
import { SECOND } from '../../../src/time.js'
import { type ContractStore, describeStore } from '../../support/contract.js'

const contact = (telegramId: number, over: Partial<BotContact> = {}): BotContact => ({
  telegramId,
  firstName: `Member ${String(telegramId)}`,
  lastName: null,
  username: null,
  ...over,
})

/** Members whose names, usernames and ids the search tests look for; resolves to their ids. */
async function cast(t: ContractStore) {
  const m = t.store.members
  const ada = await m.recordBotContact(
    contact(101, { firstName: 'Ada', lastName: 'Lovelace', username: 'ada_l' }),
    t.now(),
  )
  const bob = await m.recordBotContact(
    contact(202, { firstName: 'Bob', lastName: 'Adams', username: 'bobby' }),
    t.now(),
  )
  const cy = await m.recordSeen(contact(3003, { firstName: 'Cy', username: 'adamant' }), t.now())
  const ext = (await m.ensureExternal('u-101', t.now())).id
  const pct = await m.recordBotContact(contact(404, { firstName: '100% sure', username: 'percent' }), t.now())
  return { ada, bob, cy, ext, pct }
}

describeStore('members', (open) => {
  it('finds nobody by an id, Telegram id, username or external id nobody has', async () => {
    const t = await open()
    await t.store.members.recordBotContact(contact(1, { username: 'ada' }), t.now())
    expect(await t.store.members.findById(999)).toBeUndefined()
    expect(await t.store.members.findByTelegramId(2)).toBeUndefined()
    expect(await t.store.members.findByUsername('bob')).toBeUndefined()
    expect(await t.store.members.findByExternalId('u-1')).toBeUndefined()
  })

  it('records a bot contact: a new member the bot may write to, dated now, found every way', async () => {
    const t = await open()
    const id = await t.store.members.recordBotContact(
      { telegramId: 42, firstName: 'Ada', lastName: 'Lovelace', username: 'Ada_L' },
      t.now(),
    )
    const member = await t.store.members.findById(id)
    expect(member).toEqual({
      id,
      telegramId: 42,
      externalId: null,
      firstName: 'Ada',
      lastName: 'Lovelace',
      username: 'Ada_L',
      photoUrl: null,
      karma: 0,
      canDm: true,
      createdAt: t.now(),
      lastLoginAt: null,
    })
    expect(await t.store.members.findByTelegramId(42)).toEqual(member)
    // The username in any case, without its `@`.
    expect(await t.store.members.findByUsername('ada_l')).toEqual(member)
    expect(await t.store.members.findByUsername('ADA_L')).toEqual(member)
  })

  it('refreshes a known contact under the same id: new names, and a /start lifts a block', async () => {
    const t = await open()
    const id = await t.store.members.recordBotContact(contact(7, { firstName: 'Old' }), t.now())
    await t.store.members.setCanDm(7, false, t.now())
    expect((await t.store.members.findById(id))?.canDm).toBe(false)
    t.advance(60 * SECOND)
    expect(await t.store.members.recordBotContact(contact(7, { firstName: 'New', username: 'newname' }), t.now())).toBe(
      id,
    )
    expect(await t.store.members.findById(id)).toMatchObject({
      firstName: 'New',
      username: 'newname',
      canDm: true,
      createdAt: t.now() - 60 * SECOND,
    })
    // The same contact again changes nothing and gives the same id.
    expect(await t.store.members.recordBotContact(contact(7, { firstName: 'New', username: 'newname' }), t.now())).toBe(
      id,
    )
  })

  it('records a member seen in a chat without letting the bot write to them, nor changing whether it may', async () => {
    const t = await open()
    const seen = await t.store.members.recordSeen(contact(8, { firstName: 'Quiet' }), t.now())
    expect(await t.store.members.findById(seen)).toMatchObject({ telegramId: 8, firstName: 'Quiet', canDm: false })
    const started = await t.store.members.recordBotContact(contact(9), t.now())
    expect(await t.store.members.recordSeen(contact(9, { firstName: 'Renamed' }), t.now())).toBe(started)
    expect(await t.store.members.findById(started)).toMatchObject({ firstName: 'Renamed', canDm: true })
    expect(await t.store.members.recordSeen(contact(8, { lastName: 'Again' }), t.now())).toBe(seen)
    expect(await t.store.members.findById(seen)).toMatchObject({ lastName: 'Again', canDm: false })
  })

  it('sets and clears whether the bot may write to a member, by Telegram id; an unknown id is no error', async () => {
    const t = await open()
    const id = await t.store.members.recordSeen(contact(5), t.now())
    await t.store.members.setCanDm(5, true, t.now())
    expect((await t.store.members.findById(id))?.canDm).toBe(true)
    await t.store.members.setCanDm(5, false, t.now())
    expect((await t.store.members.findById(id))?.canDm).toBe(false)
    await expect(t.store.members.setCanDm(404, true, t.now())).resolves.toBeUndefined()
    expect(await t.store.members.findByTelegramId(404)).toBeUndefined()
  })

  it('ensures a member by external id: created without Telegram once, then the same one', async () => {
    const t = await open()
    const created = await t.store.members.ensureExternal('u-42', t.now())
    expect(created).toMatchObject({ telegramId: null, externalId: 'u-42', karma: 0, canDm: false, createdAt: t.now() })
    t.advance(SECOND)
    expect(await t.store.members.ensureExternal('u-42', t.now())).toEqual(created)
    expect(await t.store.members.findByExternalId('u-42')).toEqual(created)
    expect((await t.store.members.ensureExternal('u-43', t.now())).id).not.toBe(created.id)
  })

  it('gives times back in ms as given (whole seconds)', async () => {
    const t = await open({ startMs: Date.UTC(2031, 5, 7, 8, 9, 10) })
    const id = await t.store.members.recordBotContact(contact(1), t.now())
    expect((await t.store.members.findById(id))?.createdAt).toBe(Date.UTC(2031, 5, 7, 8, 9, 10))
  })

  it('lists everyone, newest first, for an empty query', async () => {
    const t = await open()
    const { ada, bob, cy, ext, pct } = await cast(t)
    const page = await t.store.members.search()
    expect(page.members.map((m) => m.id)).toEqual([pct, ext, cy, bob, ada])
    expect(page.nextBefore).toBeUndefined()
    expect(page.prevAfter).toBeUndefined()
    expect((await t.store.members.search({ query: '   ' })).members).toHaveLength(5)
  })

  it('searches by name (a substring of first and last name), newest first', async () => {
    const t = await open()
    const { ada, bob } = await cast(t)
    const ids = async (query: string) => (await t.store.members.search({ query })).members.map((m) => m.id)
    expect(await ids('Lovelace')).toEqual([ada])
    expect(await ids('ove')).toEqual([ada])
    // "Bob Adams" by both names; "Ada" also by Bob's last name.
    expect(await ids('Bob Adams')).toEqual([bob])
    expect(await ids('Ada')).toEqual(expect.arrayContaining([ada, bob]))
    expect(await ids('nobody-has-this')).toEqual([])
  })

  it('searches by @username (a prefix, and only usernames)', async () => {
    const t = await open()
    const { ada, bob, cy } = await cast(t)
    const ids = async (query: string) => (await t.store.members.search({ query })).members.map((m) => m.id)
    expect(await ids('@bob')).toEqual([bob])
    // Cy's username starts with "adam"; Bob's last name contains it, but `@` asks for usernames only.
    expect(await ids('@adam')).toEqual([cy])
    expect(await ids('@ada')).toEqual([cy, ada])
    expect(await ids('@bby')).toEqual([])
  })

  it('searches by Telegram id and by external id, exactly', async () => {
    const t = await open()
    const { ada, cy, ext } = await cast(t)
    const ids = async (query: string) => (await t.store.members.search({ query })).members.map((m) => m.id)
    expect(await ids('3003')).toEqual([cy])
    expect(await ids('300')).toEqual([])
    // The Telegram id 101 is Ada's; the external id u-101 is not 101.
    expect(await ids('101')).toEqual([ada])
    expect(await ids('u-101')).toEqual([ext])
    expect(await ids('u-10')).toEqual([])
  })

  it('matches a name with % or _ literally', async () => {
    const t = await open()
    const { pct } = await cast(t)
    const under = await t.store.members.recordBotContact(contact(505, { firstName: 'snake_case' }), t.now())
    expect((await t.store.members.search({ query: '%' })).members.map((m) => m.id)).toEqual([pct])
    expect((await t.store.members.search({ query: '0% s' })).members.map((m) => m.id)).toEqual([pct])
    expect((await t.store.members.search({ query: 'e_c' })).members.map((m) => m.id)).toEqual([under])
    expect((await t.store.members.search({ query: '_' })).members.map((m) => m.id)).toEqual([under])
  })

  it('pages newest first: nextBefore walks on, prevAfter walks back, each undefined at its end', async () => {
    const t = await open()
    const ids: number[] = []
    for (let i = 1; i <= 7; i++) ids.push(await t.store.members.recordBotContact(contact(i), t.now()))
    const newestFirst = [...ids].reverse()
    const first = await t.store.members.search({ limit: 3 })
    expect(first.members.map((m) => m.id)).toEqual(newestFirst.slice(0, 3))
    expect(first.prevAfter).toBeUndefined()
    expect(first.nextBefore).toBeDefined()
    const second = await t.store.members.search({ limit: 3, before: first.nextBefore })
    expect(second.members.map((m) => m.id)).toEqual(newestFirst.slice(3, 6))
    expect(second.prevAfter).toBeDefined()
    const third = await t.store.members.search({ limit: 3, before: second.nextBefore })
    expect(third.members.map((m) => m.id)).toEqual(newestFirst.slice(6))
    expect(third.nextBefore).toBeUndefined()
    // Back again: the same pages, with the same links.
    const back = await t.store.members.search({ limit: 3, after: third.prevAfter })
    expect(back).toEqual(second)
    const backAgain = await t.store.members.search({ limit: 3, after: back.prevAfter })
    expect(backAgain.members).toEqual(first.members)
    expect(backAgain.prevAfter).toBeUndefined()
    expect(backAgain.nextBefore).toBe(first.nextBefore)
  })

  it('pages the matches of a query, not everyone', async () => {
    const t = await open()
    const matching: number[] = []
    for (let i = 1; i <= 9; i++) {
      const id = await t.store.members.recordBotContact(
        contact(i, { firstName: i % 3 === 0 ? 'Zed' : 'Other' }),
        t.now(),
      )
      if (i % 3 === 0) matching.push(id)
    }
    const first = await t.store.members.search({ query: 'Zed', limit: 2 })
    expect(first.members.map((m) => m.id)).toEqual([matching[2], matching[1]])
    const second = await t.store.members.search({ query: 'Zed', limit: 2, before: first.nextBefore })
    expect(second.members.map((m) => m.id)).toEqual([matching[0]])
    expect(second.nextBefore).toBeUndefined()
    expect(second.prevAfter).toBeDefined()
    // A full last page has no next one either.
    const exact = await t.store.members.search({ query: 'Zed', limit: 3 })
    expect(exact.members).toHaveLength(3)
    expect(exact.nextBefore).toBeUndefined()
  })

  it('refuses before and after together', async () => {
    const t = await open()
    await expect(t.store.members.search({ before: 5, after: 1 })).rejects.toThrow()
  })
})

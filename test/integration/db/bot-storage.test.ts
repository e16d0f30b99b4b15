import { expect, it } from 'vitest'
import { describeStore } from '../../support/contract.js'

describeStore('bot storage', (open) => {
  it('reads undefined under a key never written', async () => {
    const t = await open()
    expect(await t.store.botStorage.read('conversation:1')).toBeUndefined()
  })

  it.each([
    ['an object', { step: 'minKarma', chatId: 3, nested: { list: [1, 'two', null] } }],
    ['an array', [1, 2, 3]],
    ['a string', 'text with “quotes” and \\ and emoji 🙂'],
    ['a number', 42.5],
    ['false', false],
    ['null', null],
  ])('keeps %s as written', async (_name, value) => {
    const t = await open()
    await t.store.botStorage.write('k', value, t.now())
    expect(await t.store.botStorage.read('k')).toEqual(value)
  })

  it('overwrites a key, and keeps each key’s own value', async () => {
    const t = await open()
    await t.store.botStorage.write('a', { v: 1 }, t.now())
    await t.store.botStorage.write('b', { v: 2 }, t.now())
    await t.store.botStorage.write('a', { v: 3 }, t.now())
    expect(await t.store.botStorage.read('a')).toEqual({ v: 3 })
    expect(await t.store.botStorage.read('b')).toEqual({ v: 2 })
  })

  it('deletes a key; deleting one never written is no error', async () => {
    const t = await open()
    await t.store.botStorage.write('a', { v: 1 }, t.now())
    await t.store.botStorage.write('b', { v: 2 }, t.now())
    await t.store.botStorage.delete('a')
    expect(await t.store.botStorage.read('a')).toBeUndefined()
    expect(await t.store.botStorage.read('b')).toEqual({ v: 2 })
    await expect(t.store.botStorage.delete('a')).resolves.toBeUndefined()
    await expect(t.store.botStorage.delete('never')).resolves.toBeUndefined()
  })

  it('survives a restart: another store over the same database reads it', async () => {
    const t = await open()
    await t.store.botStorage.write('conversation:9', { step: 2 }, t.now())
    const restarted = await t.openAnother()
    expect(await restarted.botStorage.read('conversation:9')).toEqual({ step: 2 })
  })
})

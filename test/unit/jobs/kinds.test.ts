import { describe, expect, it } from 'vitest'
import { PermanentJobError } from '../../../src/jobs/errors.js'
import { chatPayload, jobs, memberChatPayload, notifyPayload } from '../../../src/jobs/kinds.js'

describe('job kinds', () => {
  it('build each job with its owner, payload and a dedupe key of its kind and ids', () => {
    expect(jobs.memberInvite(12, 3)).toEqual({
      kind: 'member.invite',
      owner: 'bot',
      payload: { memberId: 12, chatId: 3 },
      dedupeKey: 'member.invite:12:3',
      lane: 'member:12',
    })
    expect(jobs.memberAdd(12, 3)).toMatchObject({ owner: 'worker', dedupeKey: 'member.add:12:3' })
    expect(jobs.memberRemove(12, 3)).toMatchObject({ owner: 'bot', dedupeKey: 'member.remove:12:3' })
    expect(jobs.chatCreate(3)).toEqual({
      kind: 'chat.create',
      owner: 'worker',
      payload: { chatId: 3 },
      dedupeKey: 'chat.create:3',
    })
    expect(jobs.chatLink(3)).toMatchObject({ owner: 'bot', dedupeKey: 'chat.link:3' })
    expect(jobs.memberNotify({ memberId: 12, telegramId: 7, text: 'hi', topic: ['removed', 12, 3, 99] })).toEqual({
      kind: 'member.notify',
      owner: 'bot',
      payload: { telegramId: 7, text: 'hi' },
      dedupeKey: 'member.notify:removed:12:3:99',
      lane: 'member:12',
    })
  })

  it('read payloads back, and refuse a malformed one as permanent', () => {
    expect(memberChatPayload({ memberId: 1, chatId: 2, extra: true })).toEqual({ memberId: 1, chatId: 2 })
    expect(chatPayload({ chatId: 2 })).toEqual({ chatId: 2 })
    expect(notifyPayload({ telegramId: 7, text: 'hi' })).toEqual({ telegramId: 7, text: 'hi' })
    for (const bad of [null, 'x', { memberId: '1', chatId: 2 }, { memberId: 1.5, chatId: 2 }]) {
      expect(() => memberChatPayload(bad)).toThrow(PermanentJobError)
    }
    expect(() => chatPayload({})).toThrow(PermanentJobError)
    expect(() => notifyPayload({ telegramId: 7 })).toThrow(PermanentJobError)
  })

  // src/jobs/errors.ts is this one class: its test lives here, with the payload readers that throw it.
  it('PermanentJobError is an Error by its own name, which the runner records with the message', () => {
    const err = new PermanentJobError('user is deactivated')
    expect(err).toBeInstanceOf(Error)
    expect(`${err.name}: ${err.message}`).toBe('PermanentJobError: user is deactivated')
  })
})

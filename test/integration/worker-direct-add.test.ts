import { Api } from 'grammy'
import { Long, type tl } from '@mtcute/node'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { saveRule } from '../../src/access/save-rule.js'
import { UNAPPROVED_JOIN_REASON } from '../../src/access/membership.js'
import { botJobHandlers } from '../../src/bot/jobs/index.js'
import { JobRunner } from '../../src/jobs/runner.js'
import { workerRetryAfter } from '../../src/worker/errors.js'
import { workerJobHandlers } from '../../src/worker/jobs/index.js'
import { MtcuteAccount } from '../../src/worker/mtcute-account.js'
import { botApiChannelId } from '../../src/worker/ops/channel-id.js'
import { emulateChats, megagroup, rpcError, stubClient, updatesWith } from '../support/mtcute-stub.js'
import { addActiveChat, queuedJobs, type TestStore, testStores } from '../support/store.js'
import { appendKarmaEvent } from '../../src/karma/append.js'

const logger = pino({ level: 'silent' })
const newStore = testStores()

const CHANNEL = megagroup(5000, 'Inner circle')
/** Ada, a member who logged in on the site but never let the bot write to her. */
const ADA: tl.RawUser = { _: 'user', id: 300, accessHash: Long.fromNumber(33), firstName: 'Ada', username: 'ada_k' }

let key = 0

/**
 * A store with an active chat (the stub account's supergroup), a rule over it, and Ada, who
 * cannot be DMed, crossing its minimum: reconcile queues her `member.invite`, which the bot's job
 * runner then runs. Its Bot API points nowhere: with the link made and no DM possible, the
 * invite must not call it (a call would fail the test).
 */
async function adaBecomesEligible(t: TestStore, directAdd: boolean): Promise<{ memberId: number; chatId: number }> {
  const chatId = await addActiveChat(t, 'Inner circle', botApiChannelId(CHANNEL.id))
  await saveRule(t.store, {
    rule: { groupId: null, chatId, minKarma: 100, removeBelow: null, directAdd },
    actor: 'test',
    now: t.now(),
  })
  const memberId = await t.store.members.recordSeen(
    { telegramId: ADA.id, firstName: 'Ada', lastName: null, username: 'ada_k' },
    t.now(),
  )
  await appendKarmaEvent(
    t.store,
    { source: 'admin', actor: 'test' },
    { member: { telegramId: ADA.id }, delta: 120, reason: 'test', idempotencyKey: `direct-add-${String(++key)}` },
  )
  const bot = new JobRunner({
    owner: 'bot',
    jobs: t.store.jobs,
    handlers: botJobHandlers({
      api: new Api('1:unused', { apiRoot: 'http://127.0.0.1:9' }),
      store: t.store,
      logger,
      publicUrl: 'http://127.0.0.1',
      clock: () => t.now(),
    }),
    logger,
    clock: () => t.now(),
    random: () => 0,
  })
  expect(await bot.runOnce()).toBe(true)
  expect(await t.store.jobs.recent(10, 'dead')).toEqual([])
  return { memberId, chatId }
}

/** The worker over a stubbed account that owns the supergroup and finds Ada by her username. */
function worker(t: TestStore) {
  const { stub, tg } = stubClient()
  emulateChats(stub, { channels: [{ channel: CHANNEL, about: '' }] })
  stub
    .respondWith('users.getUsers', () => [])
    .respondWith('contacts.resolveUsername', (): tl.contacts.RawResolvedPeer => ({
      _: 'contacts.resolvedPeer',
      peer: { _: 'peerUser', userId: ADA.id },
      chats: [],
      users: [ADA],
    }))
    .respondWith('channels.inviteToChannel', (): tl.messages.RawInvitedUsers => ({
      _: 'messages.invitedUsers',
      updates: updatesWith([CHANNEL], [ADA]),
      missingInvitees: [],
    }))
  const runner = new JobRunner({
    owner: 'worker',
    jobs: t.store.jobs,
    handlers: workerJobHandlers({
      store: t.store,
      account: new MtcuteAccount(tg),
      botUsername: 'karmagate_bot',
      logger,
      clock: () => t.now(),
    }),
    logger,
    retryAfterOf: workerRetryAfter,
    clock: () => t.now(),
    random: () => 0,
  })
  const invites = () =>
    stub.calls.filter((c): c is tl.channels.RawInviteToChannelRequest => c._ === 'channels.inviteToChannel')
  return { stub, tg, runner, invites }
}

function addJob(t: TestStore) {
  return t.db
    .prepare<
      [],
      {
        owner: string
        state: string
        attempts: number
        run_after: number
        last_error: string | null
        dedupe_key: string
      }
    >(
      `SELECT owner, state, attempts, run_after, last_error, dedupe_key FROM jobs WHERE kind = 'member.add' ORDER BY id DESC LIMIT 1`,
    )
    .get()
}

describe('direct add (member.add)', () => {
  it('a member the bot cannot DM is added by the account: member in the chat, audited, once', async () => {
    const t = newStore()
    const { memberId, chatId } = await adaBecomesEligible(t, true)
    expect(await t.store.memberships.get(memberId, chatId)).toMatchObject({
      state: 'invited',
      reason: 'link on the site (the bot may not write to them); the account will add them',
    })
    expect(queuedJobs(t)).toEqual([['member.add', { memberId, chatId }]])
    expect(addJob(t)).toMatchObject({ owner: 'worker', dedupe_key: `member.add:${String(memberId)}:${String(chatId)}` })

    const w = worker(t)
    expect(await w.runner.runOnce()).toBe(true)
    expect(w.invites()).toHaveLength(1)
    expect(w.invites()[0]).toMatchObject({
      channel: { _: 'inputChannel', channelId: CHANNEL.id },
      users: [{ _: 'inputUser', userId: ADA.id, accessHash: ADA.accessHash }],
    })
    expect(addJob(t)).toMatchObject({ state: 'done', attempts: 1 })
    expect(await t.store.memberships.get(memberId, chatId)).toMatchObject({
      state: 'member',
      reason: 'added by the account',
    })
    const audit = await t.store.audit.recent(5)
    expect(audit.find((e) => e.action === 'member.add')).toMatchObject({
      actor: 'worker',
      subject: `member:${String(memberId)}`,
      details: { chatId, alreadyMember: false },
    })

    // At least once: the same job again (a crash before it was marked done) calls nobody.
    await t.store.jobs.enqueue({ kind: 'member.add', owner: 'worker', payload: { memberId, chatId } }, t.now())
    expect(await w.runner.runOnce()).toBe(true)
    expect(w.invites()).toHaveLength(1)
    await w.tg.destroy()
  })

  it("the bot's chat_member update arriving during the add still ends as an add, not an unapproved join", async () => {
    const t = newStore()
    const { memberId, chatId } = await adaBecomesEligible(t, true)
    const w = worker(t)
    w.stub.respondWith('channels.inviteToChannel', async (): Promise<tl.messages.RawInvitedUsers> => {
      // What the web process's chat_member handler records when Telegram tells the bot first.
      await t.store.memberships.set(memberId, chatId, 'member', UNAPPROVED_JOIN_REASON, t.now())
      return { _: 'messages.invitedUsers', updates: updatesWith([CHANNEL], [ADA]), missingInvitees: [] }
    })
    await w.runner.runOnce()
    expect(await t.store.memberships.get(memberId, chatId)).toMatchObject({
      state: 'member',
      reason: 'added by the account',
    })
    await w.tg.destroy()
  })

  it('USER_PRIVACY_RESTRICTED falls back to the link: still invited, the reason says why, no retry', async () => {
    const t = newStore()
    const { memberId, chatId } = await adaBecomesEligible(t, true)
    const w = worker(t)
    w.stub.respondWith('channels.inviteToChannel', () => {
      throw rpcError(403, 'USER_PRIVACY_RESTRICTED')
    })
    expect(await w.runner.runOnce()).toBe(true)
    expect(addJob(t)).toMatchObject({ state: 'done', attempts: 1, last_error: null })
    expect(await t.store.memberships.get(memberId, chatId)).toMatchObject({
      state: 'invited',
      reason: 'link on the site (USER_PRIVACY_RESTRICTED: their privacy settings do not let the account add them)',
    })
    // What /me and /chats show: the chat with its join-request link.
    expect(await t.store.memberships.openChats(memberId)).toEqual([
      { chatId, title: 'Inner circle', inviteLink: 'https://t.me/+sandboxInvite', state: 'invited' },
    ])
    expect((await t.store.audit.recent(5)).find((e) => e.action === 'member.add_refused')).toMatchObject({
      details: { chatId, refusal: 'USER_PRIVACY_RESTRICTED' },
    })
    expect((await t.store.workerState.read()).lastError).toBeNull()
    t.advance(3_600_000)
    expect(await w.runner.runOnce()).toBe(false)
    await w.tg.destroy()
  })

  it('a member the account cannot find (no access hash, username gone) falls back too', async () => {
    const t = newStore()
    const { memberId, chatId } = await adaBecomesEligible(t, true)
    const w = worker(t)
    w.stub.respondWith('contacts.resolveUsername', () => {
      throw rpcError(400, 'USERNAME_NOT_OCCUPIED')
    })
    await w.runner.runOnce()
    expect(w.invites()).toEqual([])
    expect((await t.store.memberships.get(memberId, chatId))?.reason).toMatch(/^link on the site \(USER_NOT_FOUND: /)
    expect(addJob(t)).toMatchObject({ state: 'done' })
    await w.tg.destroy()
  })

  it('FLOOD_WAIT_X reschedules the add for X seconds, uncharged; PEER_FLOOD pauses the worker', async () => {
    const t = newStore()
    const { memberId, chatId } = await adaBecomesEligible(t, true)
    const w = worker(t)
    w.stub.respondWith('channels.inviteToChannel', () => {
      throw rpcError(420, 'FLOOD_WAIT_300')
    })
    const start = t.now()
    await w.runner.runOnce()
    expect(addJob(t)).toMatchObject({ state: 'queued', attempts: 0, run_after: start + 300_000 })
    expect((await t.store.memberships.get(memberId, chatId))?.state).toBe('invited')

    t.advance(300_000)
    w.stub.respondWith('channels.inviteToChannel', () => {
      throw rpcError(400, 'PEER_FLOOD')
    })
    await w.runner.runOnce()
    expect(await t.store.workerState.read()).toMatchObject({
      pauseReason: 'PEER_FLOOD',
      pausedUntil: Math.floor(t.now() / 1000) * 1000 + 86_400_000,
    })
    expect(addJob(t)).toMatchObject({ state: 'queued', attempts: 0, run_after: t.now() + 86_400_000 })
    await w.tg.destroy()
  })

  it('direct add off: the member only gets the link on the site, and nothing is queued for the worker', async () => {
    const t = newStore()
    const { memberId, chatId } = await adaBecomesEligible(t, false)
    expect(await t.store.memberships.get(memberId, chatId)).toMatchObject({
      state: 'invited',
      reason: 'link on the site (the bot may not write to them)',
    })
    expect(queuedJobs(t)).toEqual([])
    expect(addJob(t)).toBeUndefined()
  })

  it('a rule whose direct add was turned off before the job ran is left to the link', async () => {
    const t = newStore()
    const { memberId, chatId } = await adaBecomesEligible(t, true)
    const [rule] = await t.store.rules.forChat(chatId)
    await saveRule(t.store, { ruleId: rule!.id, rule: { ...rule!, directAdd: false }, actor: 'test', now: t.now() })
    const w = worker(t)
    await w.runner.runOnce()
    expect(w.invites()).toEqual([])
    expect(addJob(t)).toMatchObject({ state: 'done' })
    expect((await t.store.memberships.get(memberId, chatId))?.state).toBe('invited')
    await w.tg.destroy()
  })

  it('turning direct add on later asks the account to add those already waiting with the link, but not those Telegram refused', async () => {
    const t = newStore()
    const { memberId, chatId } = await adaBecomesEligible(t, false)
    const [rule] = await t.store.rules.forChat(chatId)
    const on = await saveRule(t.store, {
      ruleId: rule!.id,
      rule: { ...rule!, directAdd: true },
      actor: 'test',
      now: t.now(),
    })
    expect(on?.directAddsQueued).toBe(1)
    expect(queuedJobs(t)).toEqual([['member.add', { memberId, chatId }]])
    expect((await t.store.memberships.get(memberId, chatId))?.reason).toBe(
      'link on the site (the bot may not write to them); the account will add them',
    )
    // Saving it again (still on) queues nothing more.
    expect(
      (await saveRule(t.store, { ruleId: rule!.id, rule: { ...rule!, directAdd: true }, actor: 'test', now: t.now() }))
        ?.directAddsQueued,
    ).toBe(0)

    const w = worker(t)
    w.stub.respondWith('channels.inviteToChannel', () => {
      throw rpcError(400, 'USER_NOT_MUTUAL_CONTACT')
    })
    await w.runner.runOnce()
    expect((await t.store.memberships.get(memberId, chatId))?.reason).toBe(
      'link on the site (USER_NOT_MUTUAL_CONTACT: they let only mutual contacts add them)',
    )
    // Off and on again: the refusal stands; the account is not asked twice.
    await saveRule(t.store, { ruleId: rule!.id, rule: { ...rule!, directAdd: false }, actor: 'test', now: t.now() })
    expect(
      (await saveRule(t.store, { ruleId: rule!.id, rule: { ...rule!, directAdd: true }, actor: 'test', now: t.now() }))
        ?.directAddsQueued,
    ).toBe(0)
    expect(queuedJobs(t)).toEqual([])
    await w.tg.destroy()
  })

  it('turning direct add on adds a waiting member end to end', async () => {
    const t = newStore()
    const { memberId, chatId } = await adaBecomesEligible(t, false)
    const [rule] = await t.store.rules.forChat(chatId)
    await saveRule(t.store, { ruleId: rule!.id, rule: { ...rule!, directAdd: true }, actor: 'test', now: t.now() })
    const w = worker(t)
    expect(await w.runner.runOnce()).toBe(true)
    expect(w.invites()).toHaveLength(1)
    expect(await t.store.memberships.get(memberId, chatId)).toMatchObject({
      state: 'member',
      reason: 'added by the account',
    })
    await w.tg.destroy()
  })
})

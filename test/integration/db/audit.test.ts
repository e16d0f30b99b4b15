import { expect, it } from 'vitest'
import { auditEntry } from '../../../src/audit.js'
import { SECOND } from '../../../src/time.js'
import { describeStore } from '../../support/contract.js'

describeStore('audit', (open) => {
  it('is empty in a new store', async () => {
    const t = await open()
    expect(await t.store.audit.recent(10)).toEqual([])
  })

  it('appends lines and reads them back newest first, as written, times in ms', async () => {
    const t = await open()
    const first = auditEntry(t.now(), 'admin:1', {
      action: 'member.groups',
      memberId: 7,
      before: [],
      after: ['webmasters'],
    })
    await t.store.audit.record(first)
    t.advance(3 * SECOND)
    const second = auditEntry(t.now(), 'cli', {
      action: 'api_key.create',
      apiKeyId: 2,
      name: 'site',
      prefix: 'kg_abcde',
    })
    await t.store.audit.record(second)
    const lines = await t.store.audit.recent(10)
    expect(lines).toEqual([
      { id: lines[0]!.id, ...second },
      { id: lines[1]!.id, ...first },
    ])
    expect(lines[0]!.id).toBeGreaterThan(lines[1]!.id)
    expect(lines[1]!.at).toBe(t.now() - 3 * SECOND)
  })

  it('keeps nested details, nulls included', async () => {
    const t = await open()
    const rule = { id: 3, groupId: null, chatId: 4, minKarma: 10, removeBelow: null, enabled: true, directAdd: false }
    const entry = auditEntry(t.now(), 'admin:9', { action: 'rule.create', before: null, after: rule })
    await t.store.audit.record(entry)
    expect((await t.store.audit.recent(1))[0]?.details).toEqual({ before: null, after: rule })
  })

  it('reads at most the limit, the newest', async () => {
    const t = await open()
    for (let jobId = 1; jobId <= 5; jobId++) {
      await t.store.audit.record(
        auditEntry(t.now(), 'admin:1', {
          action: 'job.retry',
          jobId,
          kind: 'member.invite',
          attempts: 8,
          lastError: null,
        }),
      )
    }
    const lines = await t.store.audit.recent(2)
    expect(lines.map((l) => l.subject)).toEqual(['job:5', 'job:4'])
  })
})

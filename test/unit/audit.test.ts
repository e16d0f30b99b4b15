import { describe, expect, it } from 'vitest'
import { auditEntry } from '../../src/audit.js'

describe('audit entries', () => {
  it('name their subject kind:id and keep the details each action has always had', () => {
    const rule = { id: 4, groupId: null, chatId: 2, minKarma: 10, removeBelow: null, enabled: true, directAdd: false }
    expect(auditEntry(100, 'admin:1', { action: 'rule.create', before: null, after: rule })).toEqual({
      at: 100,
      actor: 'admin:1',
      action: 'rule.create',
      subject: 'rule:4',
      details: { before: null, after: rule },
    })
    expect(
      auditEntry(1, 'bot', { action: 'member.remove', memberId: 7, chatId: 2, chatTitle: 'C', karma: 3, reason: 'r' }),
    ).toMatchObject({ subject: 'member:7', details: { chatId: 2, chat: 'C', karma: 3, reason: 'r' } })
    expect(
      auditEntry(1, 'member:7', { action: 'member.link', memberId: 7, externalId: 'u-1', merged: null }),
    ).toMatchObject({ subject: 'member:7', details: { externalId: 'u-1', mergedMemberId: null, mergedKarma: 0 } })
    expect(
      auditEntry(1, 'cli', { action: 'api_key.create', apiKeyId: 3, name: 'n', prefix: 'kg_abcde' }),
    ).toMatchObject({ subject: 'api_key:3', details: { name: 'n', prefix: 'kg_abcde' } })
    expect(
      auditEntry(1, 'admin:1', { action: 'job.retry', jobId: 9, kind: 'member.invite', attempts: 8, lastError: null }),
    ).toMatchObject({ subject: 'job:9', details: { kind: 'member.invite', attempts: 8, lastError: null } })
    expect(auditEntry(1, 'admin:1', { action: 'chat.create', chatId: 5, title: 'T', description: 'D' })).toMatchObject({
      subject: 'chat:5',
      details: { title: 'T', description: 'D' },
    })
  })
})

import type { Rule } from './access/rules.js'

/**
 * What happened, for the audit log: one variant per action karmagate records. The entry's
 * subject (`member:12`, `rule:3` …) and details follow from it in {@link auditEntry}, so every
 * place that records an action writes it the same way.
 */
export type AuditEvent =
  | { readonly action: 'rule.create' | 'rule.update'; readonly before: Rule | null; readonly after: Rule }
  | { readonly action: 'chat.create'; readonly chatId: number; readonly title: string; readonly description: string }
  | {
      readonly action: 'member.groups'
      readonly memberId: number
      readonly before: readonly string[]
      readonly after: readonly string[]
    }
  | {
      readonly action: 'member.link'
      readonly memberId: number
      readonly externalId: string
      readonly merged: { readonly memberId: number; readonly karma: number } | null
    }
  | {
      readonly action: 'member.remove'
      readonly memberId: number
      readonly chatId: number
      readonly chatTitle: string
      readonly karma: number
      readonly reason: string
    }
  | {
      readonly action: 'member.add'
      readonly memberId: number
      readonly chatId: number
      readonly alreadyMember: boolean
    }
  | {
      readonly action: 'member.add_refused'
      readonly memberId: number
      readonly chatId: number
      readonly reason: string
      readonly refusal: string
    }
  | {
      readonly action: 'api_key.create' | 'api_key.revoke'
      readonly apiKeyId: number
      readonly name: string
      readonly prefix: string
    }
  | {
      readonly action: 'job.retry'
      readonly jobId: number
      readonly kind: string
      readonly attempts: number
      readonly lastError: string | null
    }

/** An action the audit log records. */
export type AuditAction = AuditEvent['action']

/** One line of the audit log, to be written: who did what to what, and when. */
export interface NewAuditEntry {
  /** When, as the store records it (see `AuditEntry.at`). */
  readonly at: number
  /** Who: `admin:<telegram id>`, `bot`, `worker`, `cli`, `member:<id>`. */
  readonly actor: string
  readonly action: AuditAction
  /** What it was done to, as `kind:id`. */
  readonly subject: string
  readonly details: Readonly<Record<string, unknown>>
}

const member = (id: number) => `member:${String(id)}`

/** The audit line for `event`, done by `actor` at `at`. */
export function auditEntry(at: number, actor: string, event: AuditEvent): NewAuditEntry {
  const line = (subject: string, details: Record<string, unknown>): NewAuditEntry => ({
    at,
    actor,
    action: event.action,
    subject,
    details,
  })
  switch (event.action) {
    case 'rule.create':
    case 'rule.update':
      return line(`rule:${String(event.after.id)}`, { before: event.before, after: event.after })
    case 'chat.create':
      return line(`chat:${String(event.chatId)}`, { title: event.title, description: event.description })
    case 'member.groups':
      return line(member(event.memberId), { before: event.before, after: event.after })
    case 'member.link':
      return line(member(event.memberId), {
        externalId: event.externalId,
        mergedMemberId: event.merged?.memberId ?? null,
        mergedKarma: event.merged?.karma ?? 0,
      })
    case 'member.remove':
      return line(member(event.memberId), {
        chatId: event.chatId,
        chat: event.chatTitle,
        karma: event.karma,
        reason: event.reason,
      })
    case 'member.add':
      return line(member(event.memberId), { chatId: event.chatId, alreadyMember: event.alreadyMember })
    case 'member.add_refused':
      return line(member(event.memberId), { chatId: event.chatId, reason: event.reason, refusal: event.refusal })
    case 'api_key.create':
    case 'api_key.revoke':
      return line(`api_key:${String(event.apiKeyId)}`, { name: event.name, prefix: event.prefix })
    case 'job.retry':
      return line(`job:${String(event.jobId)}`, {
        kind: event.kind,
        attempts: event.attempts,
        lastError: event.lastError,
      })
  }
}

import type { NewAuditEntry } from '../audit.js'

/** One line of the audit log as stored: who did what to what, and when (see `auditEntry`). */
export interface AuditEntry {
  readonly id: number
  readonly at: number
  readonly actor: string
  /** An `AuditAction`, or one a later version of karmagate recorded. */
  readonly action: string
  readonly subject: string
  readonly details: Readonly<Record<string, unknown>>
}

/** The audit log: append and read, never edit. */
export interface AuditRepository {
  /** Appends a line built by `auditEntry`. */
  record(entry: NewAuditEntry): Promise<void>

  recent(limit: number): Promise<AuditEntry[]>
}

import type { Logger } from 'pino'
import { type AuditEvent, auditEntry } from '../../audit.js'
import type { Config } from '../../config.js'
import type { Store } from '../../db/store.js'
import type { Csrf } from '../csrf.js'
import type { Sessions } from '../session.js'

/** What {@link adminRoutes} needs; `createApp` passes its own sessions and CSRF instances. */
export interface AdminDeps {
  readonly store: Store
  readonly sessions: Sessions
  readonly csrf: Csrf
  readonly config: Pick<Config, 'adminTelegramIds'>
  readonly logger: Logger
  /** Current time in milliseconds. @default Date.now */
  readonly clock?: (() => number) | undefined
}

/** {@link AdminDeps} with every default filled in, as each page family's router receives it. */
export interface AdminContext extends Omit<AdminDeps, 'clock'> {
  /** Current time in milliseconds. */
  readonly clock: () => number
}

/** Records an admin's action in the audit log, at the context's time, under their actor name. */
export async function recordAdminAction(context: AdminContext, actor: string, event: AuditEvent): Promise<void> {
  await context.store.audit.record(auditEntry(context.clock(), actor, event))
}

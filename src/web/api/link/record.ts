import type { Logger } from 'pino'
import { auditEntry } from '../../../audit.js'
import type { LinkedExternalId } from '../../../db/logins.js'
import type { Store } from '../../../db/store.js'

/**
 * What follows a committed link: an audit line and, when a member known only by the external id
 * was merged in (their karma and groups moved), a reconcile of the member, whose chats may
 * change. Neither may undo the link or fail the login: a failure is logged, and the periodic
 * sweep reconciles the member anyway.
 */
export async function recordLink(store: Store, logger: Logger, link: LinkedExternalId, now: number): Promise<void> {
  if (!link.changed) return
  logger.info({ memberId: link.memberId, merged: link.merged }, 'external id linked')
  try {
    await store.audit.record(
      auditEntry(now, `member:${String(link.memberId)}`, {
        action: 'member.link',
        memberId: link.memberId,
        externalId: link.externalId,
        merged: link.merged,
      }),
    )
    if (link.merged) await store.reconcile.run({ kind: 'members', memberIds: [link.memberId] }, now)
  } catch (err) {
    logger.error({ err, memberId: link.memberId }, 'recording a link failed; the sweep will reconcile the member')
  }
}

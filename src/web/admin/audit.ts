import { Router } from 'express'
import { auditPage } from '../views/admin/audit.js'
import type { AdminContext } from './deps.js'
import type { Render } from './render.js'

/** Audit entries shown, newest first. @default 200 */
export const AUDIT_ENTRIES_SHOWN = 200

/** `/admin/audit`: the newest entries of the audit log. */
export function auditRoutes(context: AdminContext, render: Render): Router {
  const router = Router()
  router.get('/', async (req, res) => {
    const entries = await context.store.audit.recent(AUDIT_ENTRIES_SHOWN)
    render(req, res, (frame) => auditPage(frame, entries))
  })
  return router
}

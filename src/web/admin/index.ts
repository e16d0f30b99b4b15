import { fileURLToPath } from 'node:url'
import express, { type ErrorRequestHandler, Router } from 'express'
import { HttpError } from '../errors.js'
import { apiKeyRoutes } from './api-keys.js'
import { auditRoutes } from './audit.js'
import { chatRoutes } from './chats.js'
import { dashboardRoutes } from './dashboard.js'
import type { AdminContext, AdminDeps } from './deps.js'
import { FormError, singleValuedForms } from './form.js'
import { requireAdmin } from './guard.js'
import { jobRoutes } from './jobs.js'
import { memberRoutes } from './members.js'
import { createRender } from './render.js'
import { ruleRoutes } from './rules.js'
import { workerRoutes } from './worker.js'

export type { AdminDeps } from './deps.js'

/** `public/admin/`, from `src/web/admin/` and from `dist/web/admin/` alike. */
export const ADMIN_PUBLIC_DIR = fileURLToPath(new URL('../../../public/admin/', import.meta.url))

/**
 * A form error that escaped its page's own handling is still the admin's input, not our
 * failure: a plain 400 rather than a 500.
 */
const formErrorsAreBadRequests: ErrorRequestHandler = (error: unknown, _req, _res, next) => {
  next(error instanceof FormError ? new HttpError(400, 'bad_form', error.message) : error)
}

/**
 * The admin site, mounted at `/admin`: only members whose Telegram id is in
 * `ADMIN_TELEGRAM_IDS` get past the guard, and every POST behind it needs a CSRF token.
 * Its stylesheet is served before the guard: it holds no data.
 */
export function adminRoutes(deps: AdminDeps): Router {
  const context: AdminContext = { ...deps, clock: deps.clock ?? Date.now }
  const render = createRender(deps.csrf)
  const router = Router()

  router.use('/static', express.static(ADMIN_PUBLIC_DIR, { index: false, fallthrough: false, maxAge: '1h' }))
  router.use(requireAdmin(deps.config, deps.sessions))
  // csrf-csrf passes GET, HEAD and OPTIONS through and checks everything else.
  router.use(deps.csrf.protect)
  router.use(singleValuedForms(['groups']))

  router.use('/members', memberRoutes(context, render))
  router.use('/rules', ruleRoutes(context, render))
  router.use('/chats', chatRoutes(context, render))
  router.use('/jobs', jobRoutes(context, render))
  router.use('/audit', auditRoutes(context, render))
  router.use('/api-keys', apiKeyRoutes(context, render))
  router.use('/worker', workerRoutes(context, render))
  router.use(dashboardRoutes(context, render))
  router.use(formErrorsAreBadRequests)
  return router
}

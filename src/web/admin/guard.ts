import type { RequestHandler, Response } from 'express'
import type { Config } from '../../config.js'
import type { Member } from '../../db/members.js'
import { HttpError } from '../errors.js'
import { safeReturnPath, type Sessions } from '../session.js'

/** The logged-in admin behind a request that passed {@link requireAdmin}. */
export interface Admin {
  readonly member: Member
  readonly telegramId: number
  /** How the audit log and the ledger name them: `admin:<telegramId>`. */
  readonly actor: string
}

declare global {
  // Express's own extension point for typed res.locals.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** Set only by {@link requireAdmin}, so a handler behind it cannot see a non-admin here. */
      admin?: Admin
    }
  }
}

/**
 * Lets only members whose Telegram id is in `ADMIN_TELEGRAM_IDS` through. A visitor who is not
 * logged in goes to `/` (302), remembering the page for after the login when it was a GET; a
 * member who is not an admin gets a 403 page that says nothing about what is behind it.
 */
export function requireAdmin(config: Pick<Config, 'adminTelegramIds'>, sessions: Sessions): RequestHandler {
  return async (req, res, next) => {
    const member = res.locals.member
    if (!member) {
      const returnTo = req.method === 'GET' ? safeReturnPath(req.originalUrl) : undefined
      if (returnTo) await sessions.startVisitor(res, { returnTo })
      res.set('Cache-Control', 'no-store')
      res.redirect(302, '/')
      return
    }
    if (member.telegramId === null || !config.adminTelegramIds.has(member.telegramId)) {
      throw new HttpError(403, 'not_admin', 'This page is for the site’s admins only.')
    }
    res.locals.admin = { member, telegramId: member.telegramId, actor: `admin:${String(member.telegramId)}` }
    next()
  }
}

/** The admin of this request; throws when a route forgot {@link requireAdmin} (a bug, so a 500). */
export function currentAdmin(res: Response): Admin {
  const admin = res.locals.admin
  if (!admin) throw new Error('admin route reached without requireAdmin')
  return admin
}

import type { Request, Response } from 'express'
import type { Csrf } from '../csrf.js'
import type { SafeHtml } from '../views/html.js'
import type { AdminFrame } from '../views/admin/layout.js'
import { displayName } from '../views/pages.js'
import { currentAdmin } from './guard.js'

/** Builds one admin page given the frame (admin's name, CSRF token for its forms). */
export type AdminView = (frame: AdminFrame) => SafeHtml

/** Sends admin pages: never cached, since every one of them shows private data. */
export type Render = (req: Request, res: Response, view: AdminView, status?: number) => void

/** A {@link Render} whose forms carry tokens from `csrf`. */
export function createRender(csrf: Csrf): Render {
  return (req, res, view, status = 200) => {
    const frame: AdminFrame = { adminName: displayName(currentAdmin(res).member), csrfToken: csrf.token(req, res) }
    res.status(status).set('Cache-Control', 'no-store').type('html').send(view(frame).value)
  }
}

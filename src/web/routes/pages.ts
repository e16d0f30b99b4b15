import { Router } from 'express'
import type { Store } from '../../db/store.js'
import type { Csrf } from '../csrf.js'
import type { Sessions } from '../session.js'
import { landingPage, profilePage } from '../views/pages.js'
import { SITE_CSS } from '../views/style.js'

/** What {@link pageRoutes} needs. */
export interface PageRoutesDeps {
  readonly sessions: Sessions
  readonly csrf: Csrf
  readonly store: Store
  readonly botUsername: string
  readonly publicUrl: string
}

/** The member-facing pages: landing, profile, logout, and the stylesheet. */
export function pageRoutes(deps: PageRoutesDeps): Router {
  const { sessions, csrf, store, botUsername, publicUrl } = deps
  const router = Router()
  const authUrl = `${publicUrl}/auth/telegram`

  router.get('/static/site.css', (_req, res) => {
    res.type('css').set('Cache-Control', 'public, max-age=3600').send(SITE_CSS)
  })

  router.get('/', (req, res) => {
    const member = res.locals.member
    res.set('Cache-Control', 'no-store')
    res
      .type('html')
      .send(landingPage({ botUsername, authUrl, member, csrfToken: member && csrf.token(req, res) }).value)
  })

  router.get('/me', async (req, res) => {
    const member = res.locals.member
    if (!member) {
      // Remember where the visitor was going; the signed login query must stay untouched.
      await sessions.startVisitor(res, { returnTo: '/me' })
      res.redirect(302, '/')
      return
    }
    res.set('Cache-Control', 'no-store')
    const [groups, chats] = await Promise.all([
      store.groups.ofMember(member.id),
      store.memberships.openChats(member.id),
    ])
    res.type('html').send(profilePage(member, csrf.token(req, res), { groups: groups.map((g) => g.name), chats }).value)
  })

  router.post('/logout', csrf.protect, async (_req, res) => {
    await sessions.end(res)
    res.redirect(303, '/')
  })

  return router
}

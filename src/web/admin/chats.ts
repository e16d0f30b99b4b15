import { Router } from 'express'
import { chatsPage } from '../views/admin/chats.js'
import type { AdminContext } from './deps.js'
import type { Render } from './render.js'

/** `/admin/chats`: every chat karmagate manages, read-only (chats are created with rules). */
export function chatRoutes(context: AdminContext, render: Render): Router {
  const router = Router()
  router.get('/', async (req, res) => {
    const chats = await context.store.chats.list()
    render(req, res, (frame) => chatsPage(frame, chats))
  })
  return router
}

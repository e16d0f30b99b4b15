import { fileURLToPath } from 'node:url'
import express, { Router } from 'express'
import type { Logger } from 'pino'
import type { TelegramEmulator } from '../emulator.js'
import { controlRoutes } from './control.js'
import { sandboxPage } from './page.js'

/** `public/sandbox/`, from `src/sandbox/app/` and from `dist/sandbox/app/` alike. */
export const SANDBOX_PUBLIC_DIR = fileURLToPath(new URL('../../../public/sandbox/', import.meta.url))

/** What {@link appRouter} needs. */
export interface AppRouterDeps {
  readonly emulator: TelegramEmulator
  readonly logger: Logger
}

/**
 * The page that plays the Telegram app (`/`), its script and stylesheet (`/static/…`) and
 * its JSON control API (`/control/…`). Unknown paths fall through to the host app.
 */
export function appRouter(deps: AppRouterDeps): Router {
  const { emulator } = deps
  const router = Router()

  router.use('/static', express.static(SANDBOX_PUBLIC_DIR, { index: false, fallthrough: false, maxAge: 0 }))
  router.use('/control', controlRoutes(deps))

  router.get('/', (req, res) => {
    res.set('Cache-Control', 'no-store')
    res.type('html').send(
      sandboxPage({
        base: req.baseUrl,
        botUsername: emulator.botUsername,
        botName: emulator.botName,
        loginDomain: emulator.loginDomain,
      }).value,
    )
  })
  return router
}

import { Router } from 'express'
import QRCode from 'qrcode'
import { workerPage } from '../views/admin/worker.js'
import { type AdminContext } from './deps.js'
import type { Render } from './render.js'

/**
 * Seconds between reloads of `/admin/worker`: the QR token rotates about every 30 s, so a few
 * seconds' lag keeps a fresh code on screen without a script. @default 5
 */
export const WORKER_PAGE_REFRESH_SECONDS = 5

/**
 * The CSP of the QR image. It is served from our origin, so without this an SVG opened on its
 * own could run script; it needs nothing at all, so it gets nothing, not even framing.
 */
export const QR_SVG_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"

/** `/admin/worker`: the worker's state and, while `worker:login` waits for a scan, its QR code. */
export function workerRoutes(context: AdminContext, render: Render): Router {
  const { store } = context
  const router = Router()

  router.get('/', async (req, res) => {
    const now = context.clock()
    const [worker, qr] = await Promise.all([store.workerState.read(), store.workerState.pendingLoginQr(now)])
    // A Refresh header does what <meta http-equiv="refresh"> does, with no inline script and
    // without a slot in the shared layout's <head>.
    res.set('Refresh', String(WORKER_PAGE_REFRESH_SECONDS))
    render(req, res, (frame) => workerPage(frame, { worker, qr, now, refreshSeconds: WORKER_PAGE_REFRESH_SECONDS }))
  })

  router.get('/qr.svg', async (_req, res) => {
    res.set('Cache-Control', 'no-store')
    const qr = await store.workerState.pendingLoginQr(context.clock())
    if (!qr) {
      // Gone or expired between the page and the image: the next refresh shows the state.
      res.status(404).type('text/plain').send('No QR login is pending.')
      return
    }
    const svg = await QRCode.toString(qr.url, { type: 'svg', errorCorrectionLevel: 'L', margin: 2 })
    res.set('Content-Security-Policy', QR_SVG_CSP).type('image/svg+xml').send(svg)
  })

  return router
}

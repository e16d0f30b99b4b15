/**
 * `/admin/worker` and its QR image over real HTTP: admins only, never cached, the QR shown only
 * while `worker:login` has an unexpired link, and the image a strict-CSP SVG of that link.
 */
import QRCode from 'qrcode'
import { describe, expect, it } from 'vitest'
import { ADMIN_ID, Client, MEMBER_ID, site } from './kit.js'

const LINK = 'tg://login?token=AQIDBAUGBwgJCgsMDQ4PEA'

const PATHS = ['/admin/worker', '/admin/worker/qr.svg'] as const

describe('/admin/worker access', () => {
  it('sends a visitor to / (302) and answers a member who is not an admin 403, showing no QR', async () => {
    const s = await site()
    await s.store.workerState.recordLoginQr(LINK, s.now() + 30_000)
    const visitor = new Client(s)
    for (const path of PATHS) {
      const res = await visitor.get(path)
      expect(res.status, path).toBe(302)
      expect(res.headers.get('location'), path).toBe('/')
      expect(await res.text(), path).not.toContain('svg')
    }
    const member = await new Client(s).logIn(MEMBER_ID)
    for (const path of PATHS) {
      const res = await member.get(path)
      expect(res.status, path).toBe(403)
      expect(res.headers.get('content-type'), path).toMatch(/text\/html/)
      const body = await res.text()
      expect(body, path).toContain('for the site’s admins only')
      expect(body, path).not.toContain('<svg')
      expect(body, path).not.toContain('token=')
    }
  })
})

describe('/admin/worker for an admin', () => {
  it('without a pending QR: the state (escaped) and how to start worker:login; no image; reloads itself', async () => {
    const s = await site()
    const admin = await new Client(s).logIn(ADMIN_ID)
    await s.store.workerState.recordSeen(777, '<b>Gate</b>', s.now())
    await s.store.workerState.recordError('<script>x</script>', s.now())
    const res = await admin.get('/admin/worker')
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('refresh')).toBe('5')
    expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline')
    const body = await res.text()
    expect(body).toContain('&lt;b&gt;Gate&lt;/b&gt; (id 777)')
    expect(body).toContain('&lt;script&gt;x&lt;/script&gt;')
    expect(body).not.toContain('<script')
    expect(body).toContain('id="worker-no-qr"')
    expect(body).toContain('node dist/cli.js worker:login')
    expect(body).not.toContain('qr.svg')
    const svg = await admin.get('/admin/worker/qr.svg')
    expect(svg.status).toBe(404)
    expect(svg.headers.get('cache-control')).toBe('no-store')
    // The dashboard links here.
    expect(await (await admin.get('/admin')).text()).toContain('href="/admin/worker"')
  })

  it('with a pending QR: an image versioned by its expiry, never the link in the page; gone once expired', async () => {
    const s = await site()
    const admin = await new Client(s).logIn(ADMIN_ID)
    const expires = (s.nowSeconds() + 30) * 1000
    await s.store.workerState.recordLoginQr(LINK, expires)
    const body = await (await admin.get('/admin/worker')).text()
    expect(body).toContain(`<img id="worker-qr" src="/admin/worker/qr.svg?v=${String(expires)}"`)
    expect(body).not.toContain('token=')
    expect(body).not.toContain('worker-no-qr')
    s.setNow(expires + 1000)
    const later = await (await admin.get('/admin/worker')).text()
    expect(later).not.toContain('qr.svg')
    expect(later).toContain('id="worker-no-qr"')
    expect((await admin.get('/admin/worker/qr.svg')).status).toBe(404)
  })

  it('serves the QR as an SVG, not cached, under a CSP that allows nothing, changing with the link', async () => {
    const s = await site()
    const admin = await new Client(s).logIn(ADMIN_ID)
    await s.store.workerState.recordLoginQr(LINK, s.now() + 30_000)
    const res = await admin.get('/admin/worker/qr.svg?v=1')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'; sandbox")
    const first = await res.text()
    expect(first).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*viewBox="0 0 \d+ \d+"/)
    expect(first.trimEnd()).toMatch(/<\/svg>$/)
    expect(first).toMatch(/<path[^>]* d="M[^"]+"/)
    expect(first).not.toMatch(/<script|on\w+=/i)
    // The image carries the link only as modules, never as text: it is exactly the link's QR.
    expect(first).not.toContain('token')
    expect(first).toBe(await QRCode.toString(LINK, { type: 'svg', errorCorrectionLevel: 'L', margin: 2 }))
    expect(first).not.toBe(await QRCode.toString(`${LINK}x`, { type: 'svg', errorCorrectionLevel: 'L', margin: 2 }))
    expect(await (await admin.get('/admin/worker/qr.svg?v=1')).text()).toBe(first)
    await s.store.workerState.recordLoginQr('tg://login?token=ERITFBUWFxgZGhscHR4fIA', s.now() + 30_000)
    const second = await (await admin.get('/admin/worker/qr.svg?v=2')).text()
    expect(second).toMatch(/^<svg /)
    expect(second).not.toBe(first)
  })
})

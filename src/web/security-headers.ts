import helmet from 'helmet'
import type { RequestHandler } from 'express'

/**
 * helmet with the site's CSP: scripts and styles from this origin only (no inline code), plus
 * what the Telegram Login Widget needs (its script from telegram.org, its frame from
 * oauth.telegram.org, photos from t.me). HSTS and upgrade-insecure-requests only over https,
 * so a plain-http sandbox on localhost keeps working.
 */
export function securityHeaders(options: { readonly https: boolean }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", 'https://telegram.org'],
        frameSrc: ['https://oauth.telegram.org'],
        imgSrc: ["'self'", 'data:', 'https://t.me', 'https://*.t.me', 'https://telegram.org', 'https://*.telegram.org'],
        styleSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: options.https ? [] : null,
      },
    },
    strictTransportSecurity: options.https,
  })
}

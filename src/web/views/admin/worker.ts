import type { PendingLoginQr, WorkerState } from '../../../db/worker-state.js'
import { html, type SafeHtml } from '../html.js'
import { formatTime, orDash } from './format.js'
import { type AdminFrame, adminLayout } from './layout.js'

/** What `/admin/worker` shows. */
export interface WorkerPageView {
  readonly worker: WorkerState
  /** The QR link `worker:login` shows now, unexpired; null when no login is waiting. */
  readonly qr: PendingLoginQr | null
  /** Unix seconds, to tell whether a pause is still on. */
  readonly now: number
  /** How often the page reloads itself (the `Refresh` header). */
  readonly refreshSeconds: number
}

function stateList(worker: WorkerState, now: number): SafeHtml {
  const paused = worker.pausedUntil !== null && worker.pausedUntil > now
  return html`<dl id="worker-facts">
      <dt>Logged in as</dt><dd id="worker-account">${worker.userId === null ? 'nobody yet' : html`${orDash(worker.userName)} (id ${worker.userId})`}</dd>
      <dt>Last seen</dt><dd>${formatTime(worker.lastSeenAt)}</dd>
      <dt>Last error</dt><dd>${worker.lastError === null ? '—' : html`${worker.lastError} (${formatTime(worker.lastErrorAt)})`}</dd>
      <dt>Paused</dt><dd>${paused ? html`<span class="error-text" id="worker-paused">until ${formatTime(worker.pausedUntil)}: ${orDash(worker.pauseReason)}</span>` : 'no'}</dd>
    </dl>`
}

/** The pending QR code, or how to start a login when there is none. */
function loginSection(qr: PendingLoginQr | null, refreshSeconds: number): SafeHtml {
  if (!qr) {
    return html`<section class="card" id="worker-login">
      <h2>Login</h2>
      <p class="muted" id="worker-no-qr">No QR login is waiting. To log the worker in (or in again), run
        <code>node dist/cli.js worker:login</code> on the machine that holds the session file; its QR code then
        appears here too (this page reloads every ${refreshSeconds} s).</p>
    </section>`
  }
  // The link itself is the secret for its ~30 s: shown only as the image, and only to admins.
  return html`<section class="card" id="worker-login">
      <h2>Login</h2>
      <p>Scan this in the Telegram app of the worker’s account: <em>Settings → Devices → Link Desktop Device</em>.</p>
      <p><img id="worker-qr" src="/admin/worker/qr.svg?v=${qr.expiresAt}" width="256" height="256" alt="QR code of the worker’s login link"></p>
      <p class="muted">This code is valid until ${formatTime(qr.expiresAt)}; <code>worker:login</code> makes a new one
        when it expires, and this page reloads every ${refreshSeconds} s to show it.</p>
    </section>`
}

/** `GET /admin/worker`: the worker's account, liveness, error, pause, and its QR login. */
export function workerPage(frame: AdminFrame, view: WorkerPageView): SafeHtml {
  return adminLayout(
    frame,
    { title: 'Worker', section: 'dashboard' },
    html`<section class="card" id="worker-state">
      <h2>State</h2>
      ${stateList(view.worker, view.now)}
    </section>
    ${loginSection(view.qr, view.refreshSeconds)}`,
  )
}

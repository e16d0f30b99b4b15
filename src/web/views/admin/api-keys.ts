import type { ApiKey, CreatedApiKey } from '../../../db/api-keys.js'
import { html, type SafeHtml } from '../html.js'
import { csrfField, fieldError, type FieldErrors, invalidAttributes, notice, pageError } from './form.js'
import { formatTime } from './format.js'
import { type AdminFrame, adminLayout } from './layout.js'

/** What the API keys page shows. */
export interface ApiKeysView {
  readonly keys: readonly ApiKey[]
  /** The create form's one-time token: the same form sent twice creates one key. */
  readonly nonce: string
  /** The name typed into the create form, kept when it was refused. @default '' */
  readonly name?: string
  readonly errors?: FieldErrors
  readonly notice?: string | undefined
  readonly error?: string | undefined
}

function keyRow(key: ApiKey, csrfToken: string): SafeHtml {
  return html`<tr data-key="${key.id}"${key.revokedAt === null ? '' : html` class="disabled"`}>
    <td>${key.name}</td>
    <td><code>${key.prefix}…</code></td>
    <td>${formatTime(key.createdAt)}</td>
    <td>${formatTime(key.lastUsedAt)}</td>
    <td>${
      key.revokedAt === null
        ? html`<form method="post" action="/admin/api-keys/${key.id}/revoke">${csrfField(csrfToken)}<button class="danger" type="submit">Revoke</button></form>`
        : html`revoked ${formatTime(key.revokedAt)}`
    }</td>
  </tr>`
}

/** `GET /admin/api-keys`: the keys (never their secrets), a form for a new one, revoke buttons. */
export function apiKeysPage(frame: AdminFrame, view: ApiKeysView): SafeHtml {
  const errors = view.errors ?? {}
  return adminLayout(
    frame,
    { title: 'API keys', section: 'api-keys' },
    html`${notice(view.notice)}${pageError(view.error)}
    <section class="card">
      <h2>New key</h2>
      <p class="muted">An existing site uses a key to push karma and link members through <code>/api/v1</code>.</p>
      <form method="post" action="/admin/api-keys" class="stacked">
        ${csrfField(frame.csrfToken)}
        <input type="hidden" name="nonce" value="${view.nonce}">
        <label for="key-name">Name</label>
        <input id="key-name" name="name" maxlength="100" required value="${view.name ?? ''}"${invalidAttributes(errors, 'name')}>
        ${fieldError(errors, 'name')}
        <button type="submit">Create key</button>
      </form>
    </section>
    <section class="card">
      <h2>Keys</h2>
      ${
        view.keys.length === 0
          ? html`<p class="muted">No keys yet.</p>`
          : html`<table id="api-keys">
            <thead><tr><th>Name</th><th>Starts with</th><th>Created</th><th>Last used</th><th></th></tr></thead>
            <tbody>${view.keys.map((key) => keyRow(key, frame.csrfToken))}</tbody>
          </table>`
      }
    </section>`,
  )
}

/** The answer to creating a key: the only time its secret is ever shown. */
export function apiKeyCreatedPage(frame: AdminFrame, created: CreatedApiKey): SafeHtml {
  return adminLayout(
    frame,
    { title: 'API key created', section: 'api-keys' },
    html`<section class="card">
      <p class="page-error" role="alert"><strong>Copy this key now.</strong> It is shown only this once: karmagate keeps
        only a hash of it and cannot show it again. If it is lost, revoke it and create another.</p>
      <p>Key <strong>${created.key.name}</strong>:</p>
      <p><code id="api-key-secret" class="secret">${created.secret}</code></p>
      <p>Send it as <code>Authorization: Bearer …</code> to <code>/api/v1</code>.</p>
      <p><a class="button" href="/admin/api-keys">Done</a></p>
    </section>`,
  )
}

/** The answer to a create form sent again: the key it already made, whose secret is gone. */
export function apiKeyAlreadyCreatedPage(frame: AdminFrame, key: ApiKey): SafeHtml {
  return adminLayout(
    frame,
    { title: 'API key already created', section: 'api-keys' },
    html`<section class="card" id="api-key-already-created">
      <p class="page-error" role="alert">This form was already sent: it created the key <strong>${key.name}</strong>
        (<code>${key.prefix}…</code>) ${formatTime(key.createdAt)}, and no second key was made.</p>
      <p>Its secret was shown only in the answer to the first send. If you did not copy it, revoke that key and create another.</p>
      <p><a class="button" href="/admin/api-keys">Back to the keys</a></p>
    </section>`,
  )
}

import type { AuditEntry } from '../../../db/audit.js'
import { html, type SafeHtml } from '../html.js'
import { formatTime } from './format.js'
import { type AdminFrame, adminLayout } from './layout.js'

function entryRow(entry: AuditEntry): SafeHtml {
  return html`<tr data-action="${entry.action}">
    <td>${formatTime(entry.at)}</td>
    <td>${entry.actor}</td>
    <td>${entry.action}</td>
    <td>${entry.subject}</td>
    <td><code>${JSON.stringify(entry.details)}</code></td>
  </tr>`
}

/** `GET /admin/audit`: the newest entries of the audit log. */
export function auditPage(frame: AdminFrame, entries: readonly AuditEntry[]): SafeHtml {
  return adminLayout(
    frame,
    { title: 'Audit log', section: 'audit' },
    entries.length === 0
      ? html`<p class="muted">Nothing recorded yet.</p>`
      : html`<table id="audit">
          <thead><tr><th>When</th><th>Who</th><th>Action</th><th>Subject</th><th>Details</th></tr></thead>
          <tbody>${entries.map(entryRow)}</tbody>
        </table>`,
  )
}

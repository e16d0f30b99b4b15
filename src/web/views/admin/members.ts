import type { Member } from '../../../db/members.js'
import { html, type SafeHtml } from '../html.js'
import { displayName } from '../pages.js'
import { fieldError, type FieldErrors, invalidAttributes } from './form.js'
import { orDash } from './format.js'
import { type AdminFrame, adminLayout } from './layout.js'

/** What the members page shows. */
export interface MembersView {
  /** The search as typed. */
  readonly query: string
  readonly members: readonly Member[]
  /** The `before` of the next page; undefined on the last one. */
  readonly nextBefore: number | undefined
  /** The `after` of the previous page; undefined on the first one. */
  readonly prevAfter: number | undefined
  /** Whether this is a later page (so a link back to the first one makes sense). */
  readonly paged: boolean
  readonly errors?: FieldErrors
}

/** `/admin/members?…` for a search and page: the one below `before`, or the one above `after`. */
export function membersUrl(query: string, before?: number, after?: number): string {
  const params = new URLSearchParams()
  if (query !== '') params.set('q', query)
  if (before !== undefined) params.set('before', String(before))
  if (after !== undefined) params.set('after', String(after))
  const search = params.toString()
  return search === '' ? '/admin/members' : `/admin/members?${search}`
}

function memberRow(member: Member): SafeHtml {
  return html`<tr data-member="${member.id}">
    <td>${member.id}</td>
    <td><a href="/admin/members/${member.id}">${displayName(member)}</a></td>
    <td>${member.username ? `@${member.username}` : '—'}</td>
    <td class="num">${orDash(member.telegramId)}</td>
    <td>${orDash(member.externalId)}</td>
    <td class="num">${member.karma}</td>
  </tr>`
}

/** `GET /admin/members`: search by name, @username, Telegram id or external id; 50 a page. */
export function membersPage(frame: AdminFrame, view: MembersView): SafeHtml {
  const errors = view.errors ?? {}
  return adminLayout(
    frame,
    { title: 'Members', section: 'members' },
    html`<form method="get" action="/admin/members" class="search" role="search">
      <label for="member-search">Search</label>
      <input id="member-search" type="search" name="q" maxlength="100" value="${view.query}"
        placeholder="name, @username, Telegram id or external id"${invalidAttributes(errors, 'q')}>
      <button type="submit">Search</button>
      ${fieldError(errors, 'q')}
    </form>
    ${
      view.members.length === 0
        ? html`<p class="muted" id="no-members">No members${view.query === '' ? '' : ' match this search'}.</p>`
        : html`<table id="members">
          <thead><tr><th>#</th><th>Name</th><th>Username</th><th class="num">Telegram id</th><th>External id</th><th class="num">Karma</th></tr></thead>
          <tbody>${view.members.map(memberRow)}</tbody>
        </table>`
    }
    <nav class="pages" aria-label="Pages">
      ${view.paged ? html`<a id="first-page" href="${membersUrl(view.query)}">First page</a>` : ''}
      ${view.prevAfter === undefined ? '' : html`<a id="prev-page" rel="prev" href="${membersUrl(view.query, undefined, view.prevAfter)}">Previous page</a>`}
      ${view.nextBefore === undefined ? '' : html`<a id="next-page" rel="next" href="${membersUrl(view.query, view.nextBefore)}">Next page</a>`}
    </nav>`,
  )
}

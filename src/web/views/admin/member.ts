import type { MemberChat } from '../../../db/admin-stats.js'
import type { Group } from '../../../db/groups.js'
import type { Member } from '../../../db/members.js'
import type { KarmaEvent } from '../../../karma/events.js'
import { html, type SafeHtml } from '../html.js'
import { displayName } from '../pages.js'
import { csrfField, fieldError, type FieldErrors, invalidAttributes, notice } from './form.js'
import { formatDelta, formatTime, orDash } from './format.js'
import { type AdminFrame, adminLayout } from './layout.js'

/** The "adjust karma" form's values: blank with a fresh key, or as submitted when refused. */
export interface KarmaFormValues {
  readonly delta: string
  readonly reason: string
  /** Generated when the form is rendered, so submitting it twice applies it once. */
  readonly idempotencyKey: string
}

/** What a member's admin page shows. */
export interface MemberView {
  readonly member: Member
  /** Every group, for the checkboxes. */
  readonly groups: readonly Group[]
  /** Slugs of the groups to show checked. */
  readonly memberGroups: readonly string[]
  /** The member's newest ledger events. */
  readonly events: readonly KarmaEvent[]
  readonly chats: readonly MemberChat[]
  readonly karmaForm: KarmaFormValues
  readonly errors?: FieldErrors
  readonly notice?: string | undefined
}

function profile(member: Member): SafeHtml {
  return html`<dl class="facts">
    <dt>Member</dt><dd>#${member.id}</dd>
    <dt>Username</dt><dd id="member-username">${member.username ? `@${member.username}` : '—'}</dd>
    <dt>Telegram id</dt><dd>${orDash(member.telegramId)}</dd>
    <dt>External id</dt><dd>${orDash(member.externalId)}</dd>
    <dt>Bot may write</dt><dd>${member.canDm ? 'yes' : 'no'}</dd>
    <dt>Joined</dt><dd>${formatTime(member.createdAt)}</dd>
    <dt>Last login</dt><dd>${formatTime(member.lastLoginAt)}</dd>
  </dl>`
}

function karmaForm(view: MemberView, csrfToken: string): SafeHtml {
  const errors = view.errors ?? {}
  const { delta, reason, idempotencyKey } = view.karmaForm
  return html`<form method="post" action="/admin/members/${view.member.id}/karma" class="stacked" id="karma-form">
    ${csrfField(csrfToken)}
    <input type="hidden" name="idempotencyKey" value="${idempotencyKey}">
    ${fieldError(errors, 'idempotencyKey')}
    <label for="karma-delta">Change (e.g. +10 or -2)</label>
    <input id="karma-delta" name="delta" inputmode="numeric" required value="${delta}"${invalidAttributes(errors, 'delta')}>
    ${fieldError(errors, 'delta')}
    <label for="karma-reason">Reason</label>
    <input id="karma-reason" name="reason" maxlength="500" required value="${reason}"${invalidAttributes(errors, 'reason')}>
    ${fieldError(errors, 'reason')}
    <button type="submit">Adjust karma</button>
  </form>`
}

function eventRow(event: KarmaEvent): SafeHtml {
  return html`<tr data-event="${event.id}">
    <td>${formatTime(event.createdAt)}</td>
    <td class="num">${formatDelta(event.delta)}</td>
    <td class="num">${event.karmaAfter}</td>
    <td>${event.reason}</td>
    <td>${event.source}</td>
    <td>${event.actor}</td>
  </tr>`
}

function groupsForm(view: MemberView, csrfToken: string): SafeHtml {
  const errors = view.errors ?? {}
  const checked = new Set(view.memberGroups)
  return html`<form method="post" action="/admin/members/${view.member.id}/groups" id="groups-form">
    ${csrfField(csrfToken)}
    <fieldset${invalidAttributes(errors, 'groups')}>
      <legend>Groups</legend>
      ${view.groups.map(
        (g) =>
          html`<label class="check"><input type="checkbox" name="groups" value="${g.slug}"${checked.has(g.slug) ? html` checked` : ''}> ${g.name}</label>`,
      )}
    </fieldset>
    ${fieldError(errors, 'groups')}
    <button type="submit">Save groups</button>
  </form>`
}

function chatRow(chat: MemberChat): SafeHtml {
  return html`<tr data-chat="${chat.chatId}">
    <td>${chat.chatTitle}</td>
    <td><span class="state state-${chat.state}">${chat.state}</span></td>
    <td>${chat.reason}</td>
    <td>${formatTime(chat.updatedAt)}</td>
  </tr>`
}

/** `GET /admin/members/:id`: profile, karma and its ledger, the adjust form, groups, chats. */
export function memberPage(frame: AdminFrame, view: MemberView): SafeHtml {
  const { member } = view
  return adminLayout(
    frame,
    { title: displayName(member), section: 'members' },
    html`${notice(view.notice)}
    <section class="card">${profile(member)}</section>
    <section class="card">
      <h2>Karma <span class="big" id="member-karma">${member.karma}</span></h2>
      ${karmaForm(view, frame.csrfToken)}
      <h3>Recent changes</h3>
      ${
        view.events.length === 0
          ? html`<p class="muted">No karma events yet.</p>`
          : html`<table id="ledger">
            <thead><tr><th>When</th><th class="num">Change</th><th class="num">After</th><th>Reason</th><th>Source</th><th>By</th></tr></thead>
            <tbody>${view.events.map(eventRow)}</tbody>
          </table>`
      }
    </section>
    <section class="card">${groupsForm(view, frame.csrfToken)}</section>
    <section class="card">
      <h2>Chats</h2>
      ${
        view.chats.length === 0
          ? html`<p class="muted">Not eligible for any chat yet.</p>`
          : html`<table id="memberships">
            <thead><tr><th>Chat</th><th>State</th><th>Why</th><th>Since</th></tr></thead>
            <tbody>${view.chats.map(chatRow)}</tbody>
          </table>`
      }
    </section>`,
  )
}

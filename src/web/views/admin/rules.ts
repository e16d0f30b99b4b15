import type { Chat } from '../../../db/chats.js'
import type { Group } from '../../../db/groups.js'
import type { Rule } from '../../../access/rules.js'
import { html, type SafeHtml } from '../html.js'
import { csrfField, notice, pageError } from './form.js'
import { orDash } from './format.js'
import { type AdminFrame, adminLayout } from './layout.js'

/** What the rules page shows. */
export interface RulesView {
  readonly rules: readonly Rule[]
  readonly groups: readonly Group[]
  readonly chats: readonly Chat[]
  readonly notice?: string | undefined
  readonly error?: string | undefined
}

function ruleRow(rule: Rule, view: RulesView, csrfToken: string): SafeHtml {
  const group = view.groups.find((g) => g.id === rule.groupId)
  const chat = view.chats.find((c) => c.id === rule.chatId)
  return html`<tr data-rule="${rule.id}"${rule.enabled ? '' : html` class="disabled"`}>
    <td>${rule.id}</td>
    <td>${group?.name ?? 'every member'}</td>
    <td>${chat?.title ?? `chat ${String(rule.chatId)}`}${chat ? html` <span class="state state-${chat.state}">${chat.state}</span>` : ''}</td>
    <td class="num">${rule.minKarma}</td>
    <td class="num">${orDash(rule.removeBelow)}</td>
    <td>${rule.enabled ? 'enabled' : 'disabled'}</td>
    <td>${rule.directAdd ? 'direct add' : 'link only'}</td>
    <td class="actions">
      <a href="/admin/rules/${rule.id}/edit">Edit</a>
      <form class="inline" method="post" action="/admin/rules/${rule.id}/enabled">
        ${csrfField(csrfToken)}
        <input type="hidden" name="enabled" value="${rule.enabled ? '0' : '1'}">
        <button class="secondary" type="submit">${rule.enabled ? 'Disable' : 'Enable'}</button>
      </form>
    </td>
  </tr>`
}

/** `GET /admin/rules`: every rule, with edit links and enable/disable buttons. */
export function rulesPage(frame: AdminFrame, view: RulesView): SafeHtml {
  return adminLayout(
    frame,
    { title: 'Rules', section: 'rules' },
    html`${notice(view.notice)}${pageError(view.error)}
    <p><a class="button" href="/admin/rules/new">New rule</a></p>
    <p class="muted">Members of the group (or everyone) with at least the minimum karma get into the chat; those who
      fall below “remove below” are removed. The gap between the two keeps a member at the line from being kicked by a −2.</p>
    ${
      view.rules.length === 0
        ? html`<p class="muted">No rules yet.</p>`
        : html`<table id="rules">
          <thead><tr><th>#</th><th>Group</th><th>Chat</th><th class="num">Min karma</th><th class="num">Remove below</th><th></th><th>Members the bot cannot DM</th><th></th></tr></thead>
          <tbody>${view.rules.map((rule) => ruleRow(rule, view, frame.csrfToken))}</tbody>
        </table>`
    }`,
  )
}

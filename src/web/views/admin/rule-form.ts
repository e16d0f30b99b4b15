import type { Chat } from '../../../db/chats.js'
import type { Group } from '../../../db/groups.js'
import { html, type SafeHtml } from '../html.js'
import { csrfField, fieldError, type FieldErrors, invalidAttributes } from './form.js'
import { type AdminFrame, adminLayout } from './layout.js'

/** The chat select's value for "create a new chat with this rule". */
export const NEW_CHAT = 'new'

/** A rule form's values as typed, so a refused form comes back as the admin left it. */
export interface RuleFormValues {
  /** A group id, or '' for every member. */
  readonly groupId: string
  /** A chat id, or {@link NEW_CHAT}. */
  readonly chatId: string
  readonly minKarma: string
  /** '' never removes. */
  readonly removeBelow: string
  readonly enabled: boolean
  /** The worker's account adds members the bot cannot DM (`channels.inviteToChannel`). */
  readonly directAdd: boolean
  /** The new chat's title, when `chatId` is {@link NEW_CHAT}. */
  readonly chatTitle: string
  readonly chatDescription: string
}

/** What the rule form shows. */
export interface RuleFormView {
  /** The rule being edited; undefined for a new one. */
  readonly ruleId: number | undefined
  readonly values: RuleFormValues
  readonly groups: readonly Group[]
  readonly chats: readonly Chat[]
  readonly errors?: FieldErrors
}

const option = (value: string, label: string, selected: string): SafeHtml =>
  html`<option value="${value}"${value === selected ? html` selected` : ''}>${label}</option>`

/** `GET /admin/rules/new` and `/admin/rules/:id/edit`: the rule's fields, and a new chat's. */
export function ruleFormPage(frame: AdminFrame, view: RuleFormView): SafeHtml {
  const { values } = view
  const errors = view.errors ?? {}
  const action = view.ruleId === undefined ? '/admin/rules' : `/admin/rules/${String(view.ruleId)}`
  return adminLayout(
    frame,
    { title: view.ruleId === undefined ? 'New rule' : `Rule #${String(view.ruleId)}`, section: 'rules' },
    html`<form method="post" action="${action}" class="stacked card" id="rule-form">
      ${csrfField(frame.csrfToken)}
      <label for="rule-group">Group</label>
      <select id="rule-group" name="groupId"${invalidAttributes(errors, 'groupId')}>
        ${option('', 'every member', values.groupId)}
        ${view.groups.map((g) => option(String(g.id), g.name, values.groupId))}
      </select>
      ${fieldError(errors, 'groupId')}

      <label for="rule-chat">Chat</label>
      <select id="rule-chat" name="chatId"${invalidAttributes(errors, 'chatId')}>
        ${view.chats.map((c) => option(String(c.id), `${c.title} (${c.state})`, values.chatId))}
        ${option(NEW_CHAT, 'A new chat…', values.chatId)}
      </select>
      ${fieldError(errors, 'chatId')}
      <fieldset class="new-chat">
        <legend>New chat (when the chat is “A new chat…”)</legend>
        <p class="muted">The worker creates it in Telegram; it stays pending until then.</p>
        <label for="chat-title">Title</label>
        <input id="chat-title" name="chatTitle" maxlength="128" value="${values.chatTitle}"${invalidAttributes(errors, 'chatTitle')}>
        ${fieldError(errors, 'chatTitle')}
        <label for="chat-description">Description</label>
        <textarea id="chat-description" name="chatDescription" maxlength="255" rows="2"${invalidAttributes(errors, 'chatDescription')}>${values.chatDescription}</textarea>
        ${fieldError(errors, 'chatDescription')}
      </fieldset>

      <label for="rule-min">Minimum karma (to get in)</label>
      <input id="rule-min" name="minKarma" inputmode="numeric" required value="${values.minKarma}"${invalidAttributes(errors, 'minKarma')}>
      ${fieldError(errors, 'minKarma')}
      <label for="rule-remove">Remove below (empty: never remove)</label>
      <input id="rule-remove" name="removeBelow" inputmode="numeric" value="${values.removeBelow}"${invalidAttributes(errors, 'removeBelow')}>
      ${fieldError(errors, 'removeBelow')}
      <label class="check"><input type="checkbox" name="enabled" value="1"${values.enabled ? html` checked` : ''}> Enabled</label>
      <label class="check"><input type="checkbox" id="rule-direct-add" name="directAdd" value="1"${values.directAdd ? html` checked` : ''}> Direct add</label>
      <p class="muted">A member the bot cannot message is added to the chat by the worker's account. Each add spends the
        account's Telegram limits; when Telegram refuses (their privacy settings, too many chats …) the member keeps the
        link on the site.</p>

      <p><button type="submit">${view.ruleId === undefined ? 'Create rule' : 'Save rule'}</button>
        <a href="/admin/rules">Cancel</a></p>
    </form>`,
  )
}

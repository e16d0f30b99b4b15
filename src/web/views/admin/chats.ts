import type { Chat } from '../../../db/chats.js'
import { html, type SafeHtml } from '../html.js'
import { formatTime, orDash, safeHttpUrl } from './format.js'
import { type AdminFrame, adminLayout } from './layout.js'

/** What the bot may do in a chat, as Telegram last reported it. */
export function botRights(chat: Pick<Chat, 'botCanInvite' | 'botCanRestrict'>): SafeHtml {
  const rights = [chat.botCanInvite ? 'invite' : '', chat.botCanRestrict ? 'remove' : ''].filter(Boolean).join(', ')
  return rights === '' ? html`<span class="warn">nothing</span>` : html`${rights}`
}

function inviteLink(link: string | null): SafeHtml | string {
  const href = safeHttpUrl(link)
  return href === undefined ? orDash(link) : html`<a href="${href}" rel="noreferrer">${link}</a>`
}

function chatRow(chat: Chat): SafeHtml {
  return html`<tr data-chat="${chat.id}">
    <td>${chat.id}</td>
    <td>${chat.title}${chat.description ? html`<br><span class="muted">${chat.description}</span>` : ''}</td>
    <td><span class="state state-${chat.state}">${chat.state}</span></td>
    <td class="num">${orDash(chat.telegramChatId)}</td>
    <td>${inviteLink(chat.inviteLink)}</td>
    <td>${orDash(chat.botStatus)}</td>
    <td>${botRights(chat)}</td>
    <td class="error-text">${orDash(chat.lastError)}</td>
    <td>${formatTime(chat.createdAt)}</td>
  </tr>`
}

/** `GET /admin/chats`: every chat with its state, Telegram id, link and the bot's standing. */
export function chatsPage(frame: AdminFrame, chats: readonly Chat[]): SafeHtml {
  return adminLayout(
    frame,
    { title: 'Chats', section: 'chats' },
    chats.length === 0
      ? html`<p class="muted">No chats yet. A chat is created with the <a href="/admin/rules/new">rule</a> that needs it.</p>`
      : html`<p class="muted">A new chat stays <em>pending</em> until the worker has created it in Telegram.</p>
        <table id="chats">
          <thead><tr><th>#</th><th>Title</th><th>State</th><th class="num">Telegram id</th><th>Invite link</th><th>Bot</th><th>Bot may</th><th>Last error</th><th>Created</th></tr></thead>
          <tbody>${chats.map(chatRow)}</tbody>
        </table>`,
  )
}

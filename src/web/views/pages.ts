import type { Member } from '../../db/members.js'
import { html, type SafeHtml } from './html.js'
import { layout } from './layout.js'

/** A member's name as Telegram shows it. */
export function displayName(member: Pick<Member, 'firstName' | 'lastName' | 'username'>): string {
  const name = [member.firstName, member.lastName].filter(Boolean).join(' ')
  return name || (member.username ? `@${member.username}` : 'Member')
}

/** What the landing page shows. */
export interface LandingView {
  readonly botUsername: string
  /** `PUBLIC_URL/auth/telegram`, where the widget sends the signed login. */
  readonly authUrl: string
  readonly member?: Member | undefined
  readonly csrfToken?: string | undefined
}

/** `GET /`: the Telegram Login Widget, or a way on for a member already logged in. */
export function landingPage(view: LandingView): SafeHtml {
  const { member } = view
  const body = member
    ? html`<section class="card">
        <h1>Welcome back, ${displayName(member)}</h1>
        <p><a class="button" href="/me">Your profile and karma</a></p>
      </section>`
    : html`<section class="card">
        <h1>Log in with Telegram</h1>
        <p>Members whose karma is high enough are let into the community's private Telegram chats.</p>
        <div class="widget">
          <script async src="https://telegram.org/js/telegram-widget.js?22"
            data-telegram-login="${view.botUsername}" data-size="large" data-userpic="true"
            data-auth-url="${view.authUrl}" data-request-access="write"></script>
        </div>
        <p class="muted">Or open the bot in Telegram and tap its login button:
          <a id="bot-link" href="https://t.me/${view.botUsername}">@${view.botUsername}</a></p>
      </section>`
  return layout({ title: 'Log in', memberName: member && displayName(member), csrfToken: view.csrfToken }, body)
}

/** A chat on the profile page: open to the member (with its join link) or joined. */
export interface ProfileChat {
  readonly title: string
  readonly inviteLink: string | null
  readonly state: 'eligible' | 'invited' | 'member' | 'removed'
}

/** `GET /me`: the member's profile, karma, groups, and the private chats open to them. */
export function profilePage(
  member: Member,
  csrfToken: string,
  extra: { groups?: readonly string[]; chats?: readonly ProfileChat[] } = {},
): SafeHtml {
  const groups = extra.groups ?? []
  const chats = extra.chats ?? []
  const name = displayName(member)
  return layout(
    { title: name, memberName: name, csrfToken },
    html`<section class="card profile">
        ${member.photoUrl ? html`<img src="${member.photoUrl}" alt="" referrerpolicy="no-referrer">` : ''}
        <div>
          <h1 id="member-name">${name}</h1>
          ${member.username ? html`<p class="muted" id="member-username">@${member.username}</p>` : ''}
        </div>
      </section>
      <section class="card">
        <h2>Karma</h2>
        <p class="karma" id="member-karma">${member.karma}</p>
        ${groups.length > 0 ? html`<p class="muted" id="member-groups">Groups: ${groups.join(', ')}</p>` : ''}
      </section>
      <section class="card" id="member-chats">
        <h2>Private chats</h2>
        ${
          chats.length === 0
            ? html`<p class="muted">No private chat is open to you yet.</p>`
            : html`<ul>${chats.map(
                (c) =>
                  html`<li data-chat="${c.title}">${c.title}: ${
                    c.state === 'member'
                      ? 'you are in'
                      : c.inviteLink
                        ? html`<a class="button" href="${c.inviteLink}" rel="noopener">Join</a>`
                        : 'its link is on its way'
                  }</li>`,
              )}</ul>`
        }
      </section>`,
  )
}

/** Any error, as a readable page; `message` is ours, never the request's input. */
export function errorPage(status: number, title: string, message: string): SafeHtml {
  return layout(
    { title },
    html`<section class="card error">
        <h1>${title}</h1>
        <p>${message}</p>
        <p class="muted">Error ${status}. <a href="/">Back to the start page</a></p>
      </section>`,
  )
}

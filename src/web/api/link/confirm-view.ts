import { html, type SafeHtml } from '../../views/html.js'
import { layout } from '../../views/layout.js'

/** What the link confirmation shows. */
export interface LinkConfirmationView {
  readonly memberName: string
  readonly username: string | null
  /** The existing site's id the member is asked to link. */
  readonly externalId: string
  /** The id the member is already linked to, if any (linking would then be refused). */
  readonly alreadyLinkedTo: string | null
  /** Where the form posts: the same `/link/<token>` path. */
  readonly action: string
  readonly csrfToken: string
}

/** `GET /link/<token>` for a logged-in member: who is linked to what, and a button to confirm. */
export function linkConfirmationPage(view: LinkConfirmationView): SafeHtml {
  return layout(
    { title: 'Link your accounts', memberName: view.memberName, csrfToken: view.csrfToken },
    html`<section class="card" id="link-confirmation">
        <h1>Link your accounts?</h1>
        <p>Your Telegram account <strong>${view.memberName}</strong>${view.username ? html` (@${view.username})` : ''}
          will be linked to the account <code id="link-external-id">${view.externalId}</code> on the community site,
          so your karma there counts here.</p>
        ${
          view.alreadyLinkedTo !== null && view.alreadyLinkedTo !== view.externalId
            ? html`<p class="muted">Your Telegram account is already linked to another site account, so this will be refused.</p>`
            : ''
        }
        <p class="muted">Only confirm if you opened this link yourself, from the community site.</p>
        <form method="post" action="${view.action}">
          <input type="hidden" name="_csrf" value="${view.csrfToken}">
          <button type="submit" id="link-confirm">Link my accounts</button>
          <a href="/me">Cancel</a>
        </form>
      </section>`,
  )
}

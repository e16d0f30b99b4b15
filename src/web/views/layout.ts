import { html, type HtmlValue, type SafeHtml } from './html.js'

/** What every page's frame needs. */
export interface LayoutContext {
  readonly title: string
  /** The logged-in member's display name, when there is one. */
  readonly memberName?: string | undefined
  /** CSRF token for the logout form; present when a member is logged in. */
  readonly csrfToken?: string | undefined
}

/** Wraps a page body in the site's frame: header with the member's name and logout. */
export function layout(context: LayoutContext, body: HtmlValue): SafeHtml {
  const account =
    context.memberName !== undefined && context.csrfToken !== undefined
      ? html`<nav>
          <a href="/me">${context.memberName}</a>
          <form class="inline" method="post" action="/logout">
            <input type="hidden" name="_csrf" value="${context.csrfToken}">
            <button class="secondary" type="submit">Log out</button>
          </form>
        </nav>`
      : ''
  return html`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${context.title} · karmagate</title>
  <link rel="stylesheet" href="/static/site.css">
</head>
<body>
  <header><a class="brand" href="/">karmagate</a>${account}</header>
  <main>${body}</main>
</body>
</html>`
}

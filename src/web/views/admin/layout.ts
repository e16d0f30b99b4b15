import { html, type HtmlValue, type SafeHtml } from '../html.js'

/** What every admin page's frame needs. */
export interface AdminFrame {
  /** The logged-in admin's display name. */
  readonly adminName: string
  /** CSRF token for every form on the page, the logout form included. */
  readonly csrfToken: string
}

/** The page families, one link each in the admin menu. */
export type AdminSection = 'dashboard' | 'members' | 'rules' | 'chats' | 'jobs' | 'audit' | 'api-keys'

const SECTIONS: readonly (readonly [AdminSection, string, string])[] = [
  ['dashboard', '/admin', 'Dashboard'],
  ['members', '/admin/members', 'Members'],
  ['rules', '/admin/rules', 'Rules'],
  ['chats', '/admin/chats', 'Chats'],
  ['jobs', '/admin/jobs', 'Jobs'],
  ['audit', '/admin/audit', 'Audit log'],
  ['api-keys', '/admin/api-keys', 'API keys'],
]

/** A page's title and which menu entry it belongs to. */
export interface AdminPageInfo {
  readonly title: string
  readonly section: AdminSection
}

/** Wraps an admin page body: the site's stylesheet plus the admin one, the menu, logout. */
export function adminLayout(frame: AdminFrame, page: AdminPageInfo, body: HtmlValue): SafeHtml {
  const menu = SECTIONS.map(
    ([section, href, label]) =>
      html`<a href="${href}"${section === page.section ? html` aria-current="page"` : ''}>${label}</a>`,
  )
  return html`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${page.title} · karmagate admin</title>
  <link rel="stylesheet" href="/static/site.css">
  <link rel="stylesheet" href="/admin/static/admin.css">
</head>
<body class="admin">
  <header>
    <a class="brand" href="/admin">karmagate admin</a>
    <nav>
      <a href="/me">${frame.adminName}</a>
      <form class="inline" method="post" action="/logout">
        <input type="hidden" name="_csrf" value="${frame.csrfToken}">
        <button class="secondary" type="submit">Log out</button>
      </form>
    </nav>
  </header>
  <nav class="admin-menu" aria-label="Admin">${menu}</nav>
  <main>
    <h1>${page.title}</h1>
    ${body}
  </main>
</body>
</html>`
}

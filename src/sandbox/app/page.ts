import { html, type SafeHtml } from '../../web/views/html.js'

/** What the page shows of the bot, and where its files and control API are. */
export interface SandboxPageContext {
  /** Where the app router is mounted, e.g. `/sandbox`. */
  readonly base: string
  readonly botUsername: string
  readonly botName: string
  readonly loginDomain: string | undefined
}

/**
 * The page that plays the Telegram app. Only markup: the behaviour is `sandbox.js` and the
 * look `sandbox.css`, both files under `public/sandbox/`, because the site's CSP allows no
 * inline script or style. Every value is escaped by {@link html}.
 */
export function sandboxPage(context: SandboxPageContext): SafeHtml {
  const { base, botUsername, botName } = context
  return html`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Telegram sandbox · ${botName}</title>
  <link rel="stylesheet" href="${base}/static/sandbox.css">
  <script type="module" src="${base}/static/sandbox.js"></script>
</head>
<body data-control="${base}/control" data-bot-username="${botUsername}" data-bot-name="${botName}">
  <div class="app">
    <aside class="sidebar">
      <h1>Telegram sandbox</h1>
      <p class="muted">An emulated Telegram for <strong>@${botUsername}</strong>. Nothing here reaches Telegram; members exist only until the server restarts.</p>
      <section aria-labelledby="members-heading">
        <h2 id="members-heading">Members</h2>
        <ul id="member-list" class="member-list" data-testid="member-list"></ul>
        <form id="new-member" class="new-member" data-testid="new-member-form" autocomplete="off">
          <label>First name <input id="member-first-name" name="firstName" data-testid="member-first-name" required maxlength="64"></label>
          <label>Last name <span class="muted">(optional)</span> <input id="member-last-name" name="lastName" data-testid="member-last-name" maxlength="64"></label>
          <label>Username <span class="muted">(optional)</span> <input id="member-username" name="username" data-testid="member-username" maxlength="33" placeholder="without @"></label>
          <button type="submit" id="create-member" data-testid="create-member">Create member</button>
          <p id="member-error" class="error" data-testid="member-error" role="alert" hidden></p>
        </form>
      </section>
    </aside>
    <main class="chat">
      <p id="no-member" class="empty" data-testid="no-member">Create or pick a member to chat with the bot.</p>
      <section id="chat" class="chat-panel" data-testid="chat" hidden>
        <header class="chat-header">
          <div>
            <strong id="chat-title">${botName}</strong> <span class="muted">@${botUsername}</span>
            <div class="muted small">you are <span id="chat-as" data-testid="chat-as"></span></div>
          </div>
          <button type="button" id="block-toggle" class="secondary" data-testid="block-toggle">Block bot</button>
        </header>
        <ol id="messages" class="messages" data-testid="messages" aria-live="polite"></ol>
        <div id="start-row" class="start-row" hidden>
          <button type="button" id="start-button" data-testid="start-button">Start</button>
        </div>
        <div id="commands" class="commands" data-testid="commands"></div>
        <p id="blocked-note" class="muted" data-testid="blocked-note" hidden>You blocked this bot. Unblock it to write to it.</p>
        <form id="composer" class="composer" data-testid="composer" autocomplete="off">
          <input id="composer-input" data-testid="composer-input" placeholder="Message" maxlength="4096" aria-label="Message">
          <button type="submit" id="composer-send" data-testid="composer-send">Send</button>
        </form>
        <p id="chat-error" class="error" data-testid="chat-error" role="alert" hidden></p>
      </section>
    </main>
  </div>
  <div id="toast" class="toast" data-testid="toast" role="status" hidden></div>
  <dialog id="login-dialog" class="login-dialog" data-testid="login-dialog">
    <form method="dialog">
      <h2 id="login-title" data-testid="login-title"></h2>
      <p id="login-url" class="muted small" data-testid="login-url"></p>
      <label id="login-write-row" class="checkbox" hidden>
        <input type="checkbox" id="login-allow-write" data-testid="login-allow-write" checked>
        <span id="login-write-label" data-testid="login-write-label"></span>
      </label>
      <menu>
        <button type="submit" value="cancel" id="login-cancel" class="secondary" data-testid="login-cancel">Cancel</button>
        <button type="submit" value="confirm" id="login-confirm" data-testid="login-confirm">Log in</button>
      </menu>
    </form>
  </dialog>
  <dialog id="alert-dialog" data-testid="alert-dialog">
    <form method="dialog">
      <p id="alert-text" data-testid="alert-text"></p>
      <menu><button type="submit" value="ok" data-testid="alert-ok">OK</button></menu>
    </form>
  </dialog>
</body>
</html>`
}

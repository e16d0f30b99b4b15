/** The site's one stylesheet, served from `/static/site.css` so the CSP needs no inline styles. */
export const SITE_CSS = `
:root { color-scheme: light dark; --accent: #2481cc; --muted: #6b7280; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; }
header, main, footer { max-width: 44rem; margin: 0 auto; padding: 1rem 1.25rem; }
header { display: flex; align-items: center; justify-content: space-between; gap: 1rem; }
header a.brand { font-weight: 700; text-decoration: none; color: inherit; }
a { color: var(--accent); }
.muted { color: var(--muted); }
.card { border: 1px solid #8883; border-radius: .75rem; padding: 1.25rem; margin: 1rem 0; }
.profile { display: flex; gap: 1rem; align-items: center; }
.profile img { width: 72px; height: 72px; border-radius: 50%; object-fit: cover; }
.karma { font-size: 2rem; font-weight: 700; }
button, .button { font: inherit; cursor: pointer; border: 0; border-radius: .5rem; padding: .5rem 1rem;
  background: var(--accent); color: #fff; text-decoration: none; display: inline-block; }
button.secondary { background: #8883; color: inherit; }
form.inline { display: inline; }
.error h1 { color: #b91c1c; }
code { background: #8882; padding: .1rem .3rem; border-radius: .25rem; }
`

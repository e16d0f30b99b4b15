/* global document, window, fetch, localStorage, URL, setTimeout, clearTimeout, setInterval */
// The Telegram sandbox page: plays the Telegram app against the emulator's control API.
// Every string from the server is shown with textContent, never parsed as HTML.

const body = document.body
const CONTROL = body.dataset.control ?? '/sandbox/control'
const POLL_MS = 1000
const STORAGE_KEY = 'karmagate-sandbox-member'

const $ = (id) => {
  const element = document.getElementById(id)
  if (!element) throw new Error(`missing #${id}`)
  return element
}

const state = {
  users: [],
  userId: null,
  version: -1,
  blocked: false,
  prompt: null,
  pollTimer: null,
}

/** A control API call; throws an Error with the server's message on a non-2xx. */
async function call(path, options = {}) {
  const init = { method: options.method ?? 'GET', headers: { Accept: 'application/json' } }
  if (init.method !== 'GET') {
    init.headers['Content-Type'] = 'application/json'
    init.headers['X-Sandbox-Request'] = '1'
    init.body = JSON.stringify(options.body ?? {})
  }
  const response = await fetch(`${CONTROL}${path}`, init)
  if (response.status === 204) return null
  const data = await response.json().catch(() => null)
  if (!response.ok) {
    const error = new Error(data?.error?.message ?? `The sandbox answered ${String(response.status)}.`)
    error.code = data?.error?.code
    throw error
  }
  return data
}

function show(element, visible) {
  element.hidden = !visible
}

function showError(id, message) {
  const element = $(id)
  element.textContent = message ?? ''
  show(element, Boolean(message))
}

let toastTimer = null
function toast(message) {
  const element = $('toast')
  element.textContent = message
  show(element, true)
  clearTimeout(toastTimer)
  toastTimer = setTimeout(() => show(element, false), 4000)
}

function alertDialog(message) {
  $('alert-text').textContent = message
  const dialog = $('alert-dialog')
  if (!dialog.open) dialog.showModal()
}

function displayName(user) {
  return user.lastName ? `${user.firstName} ${user.lastName}` : user.firstName
}

// ---- members ----

function renderMembers() {
  const list = $('member-list')
  list.replaceChildren()
  for (const user of state.users) {
    const item = document.createElement('li')
    const button = document.createElement('button')
    button.type = 'button'
    button.className = user.id === state.userId ? 'member selected' : 'member'
    button.dataset.testid = 'member'
    button.dataset.userId = String(user.id)
    button.textContent = displayName(user)
    if (user.username) {
      const username = document.createElement('span')
      username.className = 'muted small'
      username.textContent = ` @${user.username}`
      button.append(username)
    }
    button.addEventListener('click', () => selectUser(user.id))
    item.append(button)
    list.append(item)
  }
}

async function loadUsers() {
  const data = await call('/state')
  state.users = data.users
  renderMembers()
}

function selectUser(userId) {
  state.userId = userId
  state.version = -1
  localStorage.setItem(STORAGE_KEY, String(userId))
  renderMembers()
  $('messages').replaceChildren()
  show($('no-member'), false)
  show($('chat'), true)
  showError('chat-error', null)
  void refreshChat()
}

$('new-member').addEventListener('submit', async (event) => {
  event.preventDefault()
  const form = event.currentTarget
  const value = (name) => form.elements.namedItem(name).value.trim()
  const input = { firstName: value('firstName') }
  if (value('lastName')) input.lastName = value('lastName')
  if (value('username')) input.username = value('username').replace(/^@/, '')
  try {
    const { user } = await call('/users', { method: 'POST', body: input })
    showError('member-error', null)
    form.reset()
    state.users.push(user)
    selectUser(user.id)
  } catch (error) {
    showError('member-error', error.message)
  }
})

// ---- messages ----

const ENTITY_TAGS = {
  bold: 'strong',
  italic: 'em',
  underline: 'u',
  strikethrough: 's',
  code: 'code',
  pre: 'pre',
  spoiler: 'span',
  blockquote: 'blockquote',
  text_link: 'a',
  url: 'a',
  bot_command: 'span',
}

function safeHref(url) {
  try {
    const parsed = new URL(url)
    return ['http:', 'https:', 'tg:'].includes(parsed.protocol) ? parsed.href : null
  } catch {
    return null
  }
}

function entityElement(entity, text) {
  const tag = ENTITY_TAGS[entity.type]
  if (!tag) return null
  const element = document.createElement(tag)
  if (entity.type === 'spoiler') element.className = 'spoiler'
  if (entity.type === 'bot_command') element.className = 'command'
  if (tag === 'a') {
    const href = safeHref(entity.type === 'url' ? text.slice(entity.offset, entity.offset + entity.length) : entity.url)
    if (href) {
      element.href = href
      element.target = '_blank'
      element.rel = 'noopener noreferrer'
    }
  }
  return element
}

/** The text with its entities as nested elements; offsets are UTF-16 units, like JS strings. */
function renderText(text, entities) {
  const fragment = document.createDocumentFragment()
  const list = (entities ?? []).filter((e) => e.length > 0 && ENTITY_TAGS[e.type])
  const cuts = new Set([0, text.length])
  for (const e of list) {
    cuts.add(Math.max(0, Math.min(text.length, e.offset)))
    cuts.add(Math.max(0, Math.min(text.length, e.offset + e.length)))
  }
  const points = [...cuts].sort((a, b) => a - b)
  for (let i = 0; i < points.length - 1; i++) {
    const start = points[i]
    const end = points[i + 1]
    let node = document.createTextNode(text.slice(start, end))
    const active = list
      .filter((e) => e.offset <= start && e.offset + e.length >= end)
      .sort((a, b) => b.offset - a.offset || a.length - b.length)
    for (const entity of active) {
      const wrapper = entityElement(entity, text)
      if (!wrapper) continue
      wrapper.append(node)
      node = wrapper
    }
    fragment.append(node)
  }
  return fragment
}

function buttonKind(button) {
  for (const kind of [
    'callback_data',
    'url',
    'login_url',
    'web_app',
    'switch_inline_query',
    'switch_inline_query_current_chat',
    'copy_text',
    'pay',
    'callback_game',
  ]) {
    if (button[kind] !== undefined) return kind
  }
  return 'unknown'
}

function renderKeyboard(message) {
  const rows = message.reply_markup?.inline_keyboard
  if (!rows) return null
  const keyboard = document.createElement('div')
  keyboard.className = 'keyboard'
  rows.forEach((row, rowIndex) => {
    const line = document.createElement('div')
    line.className = 'keyboard-row'
    row.forEach((button, column) => {
      const element = document.createElement('button')
      element.type = 'button'
      const kind = buttonKind(button)
      element.className = `inline-button kind-${kind}`
      element.dataset.testid = 'inline-button'
      element.dataset.kind = kind
      element.textContent = button.text
      if (kind === 'url' || kind === 'login_url')
        element.append(Object.assign(document.createElement('span'), { className: 'arrow', textContent: ' ↗' }))
      element.addEventListener('click', () => void pressButton(message, button, kind, rowIndex, column))
      line.append(element)
    })
    keyboard.append(line)
  })
  return keyboard
}

function renderMessage(message) {
  const item = document.createElement('li')
  const fromBot = message.from?.is_bot === true
  item.className = fromBot ? 'message from-bot' : 'message from-user'
  item.dataset.testid = 'message'
  item.dataset.from = fromBot ? 'bot' : 'user'
  item.dataset.messageId = String(message.message_id)
  const bubble = document.createElement('div')
  bubble.className = 'bubble'
  const text = document.createElement('div')
  text.className = 'text'
  text.dataset.testid = 'message-text'
  text.append(renderText(message.text ?? '', message.entities))
  bubble.append(text)
  const meta = document.createElement('div')
  meta.className = 'meta muted small'
  meta.textContent =
    new Date(message.date * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) +
    (message.edit_date ? ' · edited' : '')
  bubble.append(meta)
  item.append(bubble)
  const keyboard = renderKeyboard(message)
  if (keyboard) item.append(keyboard)
  return item
}

function renderCommands(commands) {
  const container = $('commands')
  container.replaceChildren()
  for (const command of commands) {
    const chip = document.createElement('button')
    chip.type = 'button'
    chip.className = 'command-chip'
    chip.dataset.testid = 'command'
    chip.title = command.description
    chip.textContent = `/${command.command}`
    chip.addEventListener('click', () => void send(`/${command.command}`))
    container.append(chip)
  }
}

function renderChat(data) {
  state.blocked = data.user.blockedBot
  $('chat-as').textContent = displayName(data.user)
  $('block-toggle').textContent = state.blocked ? 'Unblock bot' : 'Block bot'
  show($('blocked-note'), state.blocked)
  $('composer-input').disabled = state.blocked
  $('composer-send').disabled = state.blocked
  if (data.version === state.version) return
  state.version = data.version
  const list = $('messages')
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40
  list.replaceChildren(...data.messages.map(renderMessage))
  show($('start-row'), data.messages.length === 0 && !state.blocked)
  renderCommands(data.commands)
  if (atBottom || state.version <= 1) list.scrollTop = list.scrollHeight
}

async function refreshChat() {
  const userId = state.userId
  if (userId === null) return
  try {
    const data = await call(`/chats/${String(userId)}`)
    if (userId === state.userId) renderChat(data)
  } catch (error) {
    showError('chat-error', error.message)
  }
}

async function send(text) {
  if (state.userId === null || text.trim() === '') return
  try {
    await call(`/chats/${String(state.userId)}/messages`, { method: 'POST', body: { text } })
    showError('chat-error', null)
    await refreshChat()
  } catch (error) {
    showError('chat-error', error.message)
  }
}

$('composer').addEventListener('submit', (event) => {
  event.preventDefault()
  const input = $('composer-input')
  const text = input.value
  input.value = ''
  void send(text)
})

$('start-button').addEventListener('click', () => void send('/start'))

$('block-toggle').addEventListener('click', async () => {
  if (state.userId === null) return
  try {
    await call(`/chats/${String(state.userId)}/block`, { method: 'POST', body: { blocked: !state.blocked } })
    state.version = -1
    await refreshChat()
  } catch (error) {
    showError('chat-error', error.message)
  }
})

// ---- buttons ----

const INVITE_LINK = /^(?:https?:\/\/)?(?:t\.me|telegram\.me)\/(?:\+|joinchat\/)[A-Za-z0-9_-]+\/?$/

async function pressButton(message, button, kind, row, column) {
  const userId = state.userId
  if (userId === null) return
  showError('chat-error', null)
  try {
    if (kind === 'callback_data') {
      const { answer } = await call(`/chats/${String(userId)}/callback`, {
        method: 'POST',
        body: { messageId: message.message_id, data: button.callback_data },
      })
      if (answer?.text) {
        if (answer.showAlert) alertDialog(answer.text)
        else toast(answer.text)
      }
      await refreshChat()
    } else if (kind === 'login_url') {
      const { prompt } = await call(`/chats/${String(userId)}/login`, {
        method: 'POST',
        body: { messageId: message.message_id, row, column },
      })
      openLoginDialog(prompt)
    } else if (kind === 'url') {
      if (INVITE_LINK.test(button.url)) {
        const { outcome } = await call(`/chats/${String(userId)}/join`, {
          method: 'POST',
          body: { inviteLink: button.url },
        })
        toast(outcome === 'requested' ? 'Join request sent. The group admins will review it.' : 'You joined the group.')
      } else {
        const href = safeHref(button.url)
        if (href) window.open(href, '_blank', 'noopener,noreferrer')
      }
    } else {
      toast('This kind of button does nothing in the sandbox.')
    }
  } catch (error) {
    if (error.code === 'bot_domain_invalid') alertDialog('Bot domain invalid')
    else showError('chat-error', error.message)
  }
}

// ---- the login dialog ----

function openLoginDialog(prompt) {
  state.prompt = prompt
  $('login-title').textContent = `Log in to ${prompt.domain} as ${prompt.userName}`
  $('login-url').textContent = `@${prompt.botUsername} will receive your name, username and profile photo.`
  $('login-write-label').textContent = `Allow ${prompt.botName} to send me messages`
  $('login-allow-write').checked = true
  $('login-dialog').returnValue = ''
  show($('login-write-row'), prompt.requestWriteAccess)
  $('login-dialog').showModal()
}

$('login-dialog').addEventListener('close', async () => {
  const dialog = $('login-dialog')
  const prompt = state.prompt
  state.prompt = null
  if (!prompt) return
  const id = encodeURIComponent(prompt.id)
  try {
    if (dialog.returnValue === 'confirm') {
      const allowWrite = prompt.requestWriteAccess && $('login-allow-write').checked
      const { url } = await call(`/login/${id}/confirm`, { method: 'POST', body: { allowWrite } })
      const href = safeHref(url)
      // A top-level navigation, as Telegram opens the signed URL in the browser.
      if (href) window.location.assign(href)
    } else {
      await call(`/login/${id}/cancel`, { method: 'POST' })
    }
  } catch (error) {
    showError('chat-error', error.message)
  }
})

// ---- start ----

async function start() {
  try {
    await loadUsers()
  } catch (error) {
    showError('member-error', error.message)
    return
  }
  const saved = Number(localStorage.getItem(STORAGE_KEY))
  if (state.users.some((u) => u.id === saved)) selectUser(saved)
  state.pollTimer = setInterval(() => {
    void refreshChat()
  }, POLL_MS)
}

void start()

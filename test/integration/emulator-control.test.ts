/**
 * The sandbox page's JSON control API over real HTTP: the CSRF defence (a custom header and
 * JSON, which a cross-site form cannot send), clear 4xx answers to bad input, and the page.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type RunningEmulator, startEmulator } from '../support/emulator.js'

let emu: RunningEmulator | undefined
afterEach(async () => {
  await emu?.close()
  emu = undefined
})

async function control(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  if (!emu) throw new Error('no emulator')
  const response = await fetch(`${emu.url}/sandbox/control${path}`, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', 'x-sandbox-request': '1', ...init.headers },
    ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  })
  const text = await response.text()
  return {
    status: response.status,
    body: (text === '' ? null : JSON.parse(text)) as { error?: { code: string; message: string } } & Record<
      string,
      unknown
    >,
  }
}

describe('the sandbox control API', () => {
  it('refuses state changes without the custom header or as a form, with 403', async () => {
    emu = await startEmulator()
    const noHeader = await fetch(`${emu.url}/sandbox/control/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"firstName":"Eve"}',
    })
    expect(noHeader.status).toBe(403)
    expect(await noHeader.json()).toMatchObject({ error: { code: 'sandbox_request_refused' } })
    const form = await fetch(`${emu.url}/sandbox/control/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-sandbox-request': '1' },
      body: 'firstName=Eve',
    })
    expect(form.status).toBe(403)
    expect(emu.emulator.users()).toEqual([])
  })

  it('answers bad input with clear 4xx JSON, never a 500', async () => {
    emu = await startEmulator()
    expect(await control('/users', { body: '{not json' })).toMatchObject({
      status: 400,
      body: { error: { code: 'bad_request' } },
    })
    expect(await control('/users', { body: {} })).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_input' } },
    })
    expect(await control('/users', { body: { firstName: '  ' } })).toMatchObject({
      status: 400,
      body: { error: { message: 'First name is required.' } },
    })
    expect(await control('/users', { body: { firstName: 'Ada', username: 'a b' } })).toMatchObject({ status: 400 })
    expect(await control('/users', { body: { firstName: 'Ada', extra: 1 } })).toMatchObject({ status: 400 })
    const created = await control('/users', { body: { firstName: 'Ada', username: 'ada_l' } })
    expect(created).toMatchObject({ status: 201, body: { user: { id: 100001, firstName: 'Ada', username: 'ada_l' } } })
    expect(await control('/users', { body: { firstName: 'Other', username: 'ADA_L' } })).toMatchObject({
      status: 409,
      body: { error: { code: 'username_taken' } },
    })
    expect(await control('/chats/999/messages', { body: { text: 'hi' } })).toMatchObject({
      status: 404,
      body: { error: { code: 'user_not_found' } },
    })
    expect(await control('/chats/abc', { method: 'GET' })).toMatchObject({ status: 404 })
    expect(await control('/chats/100001/messages', { body: { text: '' } })).toMatchObject({ status: 400 })
    expect(await control('/chats/100001/callback', { body: { messageId: 1, data: 'x' } })).toMatchObject({
      status: 404,
      body: { error: { code: 'message_not_found' } },
    })
    expect(await control('/chats/100001/login', { body: { messageId: 'one', row: 0, column: 0 } })).toMatchObject({
      status: 400,
    })
    expect(await control('/login/nope/confirm', { body: { allowWrite: true } })).toMatchObject({
      status: 404,
      body: { error: { code: 'login_prompt_not_found' } },
    })
    expect(await control('/chats/100001/join', { body: { inviteLink: 'https://t.me/+nothing' } })).toMatchObject({
      status: 422,
      body: { error: { code: 'invite_link_invalid' } },
    })
    expect(await control('/nowhere', { method: 'GET' })).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found' } },
    })
  })

  it('sends messages and reads the chat back with a version that changes', async () => {
    emu = await startEmulator()
    const { body } = await control('/users', { body: { firstName: 'Ada' } })
    const id = (body.user as { id: number }).id
    const before = await control(`/chats/${String(id)}`, { method: 'GET' })
    expect(before).toMatchObject({ status: 200, body: { messages: [], commands: [] } })
    expect(await control(`/chats/${String(id)}/messages`, { body: { text: '/start' } })).toMatchObject({
      status: 201,
      body: { message: { text: '/start' } },
    })
    const after = await control(`/chats/${String(id)}`, { method: 'GET' })
    expect(after.body.version).not.toBe(before.body.version)
    expect(after.body.messages).toHaveLength(1)
    expect(await control(`/chats/${String(id)}/block`, { body: { blocked: true } })).toMatchObject({
      status: 200,
      body: { user: { blockedBot: true } },
    })
    expect(await control(`/chats/${String(id)}/messages`, { body: { text: 'hi' } })).toMatchObject({
      status: 409,
      body: { error: { code: 'bot_blocked' } },
    })
  })

  it('sets a user\'s "who can add me to groups" privacy, for direct adds to refuse', async () => {
    emu = await startEmulator()
    const { body } = await control('/users', { body: { firstName: 'Bea' } })
    const id = (body.user as { id: number; restrictsGroupAdds: boolean }).id
    expect(body.user).toMatchObject({ restrictsGroupAdds: false })
    expect(await control(`/chats/${String(id)}/privacy`, { body: { restrictsGroupAdds: true } })).toMatchObject({
      status: 200,
      body: { user: { restrictsGroupAdds: true } },
    })
    expect(await control(`/chats/${String(id)}/privacy`, { body: { restrictsGroupAdds: 'yes' } })).toMatchObject({
      status: 400,
    })
    expect(await control('/chats/999999/privacy', { body: { restrictsGroupAdds: true } })).toMatchObject({
      status: 404,
      body: { error: { code: 'user_not_found' } },
    })
    expect(await control('/users', { body: { firstName: 'Cy', restrictsGroupAdds: true } })).toMatchObject({
      status: 201,
      body: { user: { restrictsGroupAdds: true } },
    })
  })

  it('serves the page with its script and stylesheet as files, escaping the bot name', async () => {
    emu = await startEmulator({ botFirstName: '<script>x</script>' })
    const page = await fetch(`${emu.url}/sandbox`)
    expect(page.status).toBe(200)
    const markup = await page.text()
    expect(markup).toContain('&lt;script&gt;x&lt;/script&gt;')
    expect(markup).not.toContain('<script>x')
    expect(markup).toContain('<script type="module" src="/sandbox/static/sandbox.js"></script>')
    expect(markup).not.toMatch(/<script>(?!x)|style="/)
    const script = await fetch(`${emu.url}/sandbox/static/sandbox.js`)
    expect(script.status).toBe(200)
    expect(script.headers.get('content-type')).toMatch(/javascript/)
    expect((await fetch(`${emu.url}/sandbox/static/sandbox.css`)).status).toBe(200)
    expect((await fetch(`${emu.url}/sandbox/static/missing.js`)).status).toBe(404)
  })
})

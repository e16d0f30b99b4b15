/**
 * `/admin/rules`: creating rules (with a new chat for the worker), refusing bad fields, editing,
 * enabling and disabling, and direct add; each write audited and reconciled.
 */
import { describe, expect, it } from 'vitest'
import { admin, ADMIN_ID, counts, type Fields, site } from './kit.js'

describe('rules', () => {
  const ruleForm = (fields: Fields = {}): Fields => ({
    groupId: '',
    chatId: 'new',
    chatTitle: 'Inner circle',
    chatDescription: 'For the regulars',
    minKarma: '100',
    removeBelow: '50',
    enabled: '1',
    ...fields,
  })

  it('creates a rule with a new chat: audited, and the chat is queued for the worker', async () => {
    const s = await site()
    const client = await admin(s)
    const res = await client.submit('/admin/rules/new', '/admin/rules', ruleForm())
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/admin/rules?done=created')
    const [rule] = await s.store.rules.list()
    expect(rule).toMatchObject({ groupId: null, minKarma: 100, removeBelow: 50, enabled: true })
    const chat = await s.store.chats.findById(rule!.chatId)
    expect(chat).toMatchObject({ title: 'Inner circle', description: 'For the regulars', state: 'pending' })
    expect((await s.store.jobs.recent(10)).map((j) => j.kind)).toEqual(['chat.create'])
    const actions = (await s.store.audit.recent(10)).map((e) => [e.action, e.actor])
    expect(actions).toEqual([
      ['rule.create', `admin:${String(ADMIN_ID)}`],
      ['chat.create', `admin:${String(ADMIN_ID)}`],
    ])
    const list = await client.page('/admin/rules?done=created')
    expect(list.body).toContain('Rule created.')
    expect(list.body).toContain('Inner circle')
  })

  it('refuses bad fields with 400, the message next to the field, the form kept, and nothing written', async () => {
    const s = await site()
    const client = await admin(s)
    const before = counts(s)
    const cases: [Fields, string, string][] = [
      [{ minKarma: 'lots' }, 'minKarma', 'Minimum karma must be a whole number.'],
      [{ minKarma: '' }, 'minKarma', 'Minimum karma must be a whole number.'],
      [{ minKarma: '99999999999' }, 'minKarma', 'Minimum karma must be a whole number.'],
      [{ removeBelow: '1.5' }, 'removeBelow', 'must be a whole number, or empty'],
      [{ removeBelow: '150' }, 'removeBelow', 'cannot be above the minimum karma'],
      [{ chatTitle: '' }, 'chatTitle', 'Give the new chat a title.'],
      [{ chatTitle: 'x'.repeat(129) }, 'chatTitle', 'at most 128 characters'],
      [{ chatDescription: 'x'.repeat(256) }, 'chatDescription', 'at most 255 characters'],
      [{ chatId: '999' }, 'chatId', 'Choose a chat from the list'],
      [{ chatId: 'drop table' }, 'chatId', 'Choose a chat from the list'],
      [{ groupId: '999' }, 'groupId', 'Choose a group from the list.'],
    ]
    for (const [fields, field, message] of cases) {
      const res = await client.submit(
        '/admin/rules/new',
        '/admin/rules',
        ruleForm({ chatTitle: 'Kept <title>', ...fields }),
      )
      expect(res.status, JSON.stringify(fields)).toBe(400)
      const body = await res.text()
      expect(body).toMatch(
        new RegExp(
          `<p class="field-error" id="${field}-error" role="alert">[^<]*${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
        ),
      )
      expect(body).toContain(`aria-describedby="${field}-error"`)
      if (field !== 'chatTitle') expect(body).toContain('value="Kept &lt;title&gt;"')
    }
    // No form of ours repeats a field; a request that does is refused before any handler guesses.
    const repeated = await client.submit('/admin/rules/new', '/admin/rules', ruleForm({ minKarma: ['1', '2'] }))
    expect(repeated.status).toBe(400)
    expect(await repeated.text()).toContain('The field &quot;minKarma&quot; was sent more than once.')
    expect(counts(s)).toEqual(before)
  })

  it('edits a rule, disables and enables it, each audited and reconciled', async () => {
    const s = await site()
    const client = await admin(s)
    await client.submit('/admin/rules/new', '/admin/rules', ruleForm())
    const [rule] = await s.store.rules.list()
    const id = String(rule!.id)
    const edit = await client.page(`/admin/rules/${id}/edit`)
    expect(edit.body).toContain('value="100"')
    expect(edit.body).toMatch(/<option value="\d+" selected>Inner circle \(pending\)<\/option>/)

    const webmasters = (await s.store.groups.findBySlug('webmasters'))!
    const saved = await client.submit(`/admin/rules/${id}/edit`, `/admin/rules/${id}`, {
      groupId: String(webmasters.id),
      chatId: String(rule!.chatId),
      minKarma: '200',
      removeBelow: '',
      enabled: '1',
    })
    expect(saved.status).toBe(303)
    expect(await s.store.rules.findById(rule!.id)).toMatchObject({
      groupId: webmasters.id,
      minKarma: 200,
      removeBelow: null,
      enabled: true,
    })

    const refused = await client.submit(`/admin/rules/${id}/edit`, `/admin/rules/${id}`, {
      chatId: String(rule!.chatId),
      minKarma: '10',
      removeBelow: '20',
    })
    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain('cannot be above the minimum karma')
    expect((await s.store.rules.findById(rule!.id))?.minKarma).toBe(200)

    const disabled = await client.submit('/admin/rules', `/admin/rules/${id}/enabled`, { enabled: '0' })
    expect(disabled.status).toBe(303)
    expect((await s.store.rules.findById(rule!.id))?.enabled).toBe(false)
    expect((await client.page('/admin/rules?done=disabled')).body).toMatch(
      /<button class="secondary" type="submit">Enable<\/button>/,
    )
    await client.submit('/admin/rules', `/admin/rules/${id}/enabled`, { enabled: '1' })
    expect((await s.store.rules.findById(rule!.id))?.enabled).toBe(true)

    expect((await client.submit('/admin/rules', `/admin/rules/${id}/enabled`, { enabled: 'maybe' })).status).toBe(400)
    expect((await client.submit('/admin/rules', `/admin/rules/${id}/enabled`, { enabled: ['0', '1'] })).status).toBe(
      400,
    )
    expect((await client.submit('/admin/rules', '/admin/rules/999/enabled', { enabled: '0' })).status).toBe(404)
    expect((await client.get('/admin/rules/999/edit')).status).toBe(404)
    expect((await client.get('/admin/rules/abc/edit')).status).toBe(404)
    const actions = (await s.store.audit.recent(10)).map((e) => e.action)
    expect(actions.filter((a) => a === 'rule.update')).toHaveLength(3)
  })
  it('saves direct add: off by default, on when ticked, shown in the list and the form, kept by enable/disable', async () => {
    const s = await site()
    const client = await admin(s)
    expect((await client.page('/admin/rules/new')).body).toMatch(
      /<input type="checkbox" id="rule-direct-add" name="directAdd" value="1"> Direct add/,
    )
    await client.submit('/admin/rules/new', '/admin/rules', ruleForm())
    const [plain] = await s.store.rules.list()
    expect(plain?.directAdd).toBe(false)

    const created = await client.submit(
      '/admin/rules/new',
      '/admin/rules',
      ruleForm({ chatTitle: 'Direct', directAdd: '1' }),
    )
    expect(created.status).toBe(303)
    const rule = (await s.store.rules.list()).find((r) => r.id !== plain!.id)!
    expect(rule.directAdd).toBe(true)
    const audit = (await s.store.audit.recent(10)).find(
      (e) => e.action === 'rule.create' && e.subject === `rule:${String(rule.id)}`,
    )
    expect(audit?.details).toMatchObject({ after: { directAdd: true } })
    const list = (await client.page('/admin/rules')).body
    expect(list).toMatch(new RegExp(`<tr data-rule="${String(rule.id)}">[\\s\\S]*?<td>direct add</td>`))
    expect(list).toMatch(new RegExp(`<tr data-rule="${String(plain!.id)}">[\\s\\S]*?<td>link only</td>`))
    const id = String(rule.id)
    expect((await client.page(`/admin/rules/${id}/edit`)).body).toMatch(/name="directAdd" value="1" checked>/)

    // Disabling and enabling keeps it; an edit without the box ticked turns it off.
    await client.submit('/admin/rules', `/admin/rules/${id}/enabled`, { enabled: '0' })
    await client.submit('/admin/rules', `/admin/rules/${id}/enabled`, { enabled: '1' })
    expect(await s.store.rules.findById(rule.id)).toMatchObject({ enabled: true, directAdd: true })
    await client.submit(`/admin/rules/${id}/edit`, `/admin/rules/${id}`, {
      groupId: '',
      chatId: String(rule.chatId),
      minKarma: '100',
      removeBelow: '',
      enabled: '1',
    })
    expect((await s.store.rules.findById(rule.id))?.directAdd).toBe(false)

    // A refused form comes back with the box as the admin left it.
    const refused = await client.submit(
      '/admin/rules/new',
      '/admin/rules',
      ruleForm({ minKarma: 'lots', directAdd: '1' }),
    )
    expect(refused.status).toBe(400)
    expect(await refused.text()).toMatch(/name="directAdd" value="1" checked>/)
  })
})

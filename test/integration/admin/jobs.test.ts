/**
 * `/admin/jobs`: filtering by state, and retrying a dead job (audited); a live job cannot be retried.
 */
import { describe, expect, it } from 'vitest'
import { admin, ADMIN_ID, site } from './kit.js'
import { deadJob } from '../../support/store.js'

describe('jobs', () => {
  it('filters by state and retries a dead job, audited; a live job cannot be retried', async () => {
    const s = await site()
    const client = await admin(s)
    const dead = await deadJob(
      s.store,
      { kind: 'member.invite', owner: 'bot', payload: { memberId: 1, chatId: 1 } },
      'Forbidden: <bot was blocked>',
      Date.now(),
    )
    const live = (await s.store.jobs.enqueue(
      { kind: 'chat.create', owner: 'worker', payload: { chatId: 1 } },
      Date.now(),
    ))!

    const deadOnly = await client.page('/admin/jobs?state=dead')
    expect(deadOnly.body).toContain(`data-job="${String(dead)}"`)
    expect(deadOnly.body).not.toContain(`data-job="${String(live)}"`)
    expect(deadOnly.body).toContain('Forbidden: &lt;bot was blocked&gt;')
    expect((await client.get('/admin/jobs?state=zombie')).status).toBe(400)

    const res = await client.submit('/admin/jobs?state=dead', `/admin/jobs/${String(dead)}/retry`)
    expect(res.status).toBe(303)
    expect(await s.store.jobs.findById(dead)).toMatchObject({ state: 'queued', attempts: 0 })
    const [entry] = await s.store.audit.recent(1)
    expect(entry).toMatchObject({
      action: 'job.retry',
      subject: `job:${String(dead)}`,
      actor: `admin:${String(ADMIN_ID)}`,
    })
    expect((await client.page('/admin/jobs?retried=1')).body).toContain('The job is queued again.')

    const again = await client.submit('/admin/jobs', `/admin/jobs/${String(dead)}/retry`)
    expect(again.status).toBe(409)
    expect(await again.text()).toContain('only a dead job can be retried')
    expect((await client.submit('/admin/jobs', '/admin/jobs/999/retry')).status).toBe(404)
    expect((await s.store.audit.recent(10)).filter((e) => e.action === 'job.retry')).toHaveLength(1)
  })
})

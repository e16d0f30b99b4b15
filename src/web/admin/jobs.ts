import { type Request, type Response, Router } from 'express'
import type { JobState } from '../../db/jobs.js'
import { HttpError } from '../errors.js'
import { JOB_STATES, jobsPage } from '../views/admin/jobs.js'
import { type AdminContext, recordAdminAction } from './deps.js'
import { pathId, queryText } from './form.js'
import { currentAdmin } from './guard.js'
import type { Render } from './render.js'

/** Jobs shown on the page, newest first. @default 200 */
export const JOBS_SHOWN = 200

const isJobState = (text: string): text is JobState => (JOB_STATES as readonly string[]).includes(text)

/** `/admin/jobs`: the newest jobs, by state; a dead one can be retried (audited). */
export function jobRoutes(context: AdminContext, render: Render): Router {
  const { store } = context
  const router = Router()

  const showJobs = async (
    req: Request,
    res: Response,
    state: JobState | undefined,
    message: { notice?: string; error?: string } = {},
    status = 200,
  ) => {
    const jobs = await store.jobs.recent(JOBS_SHOWN, state)
    render(req, res, (frame) => jobsPage(frame, { jobs, state, ...message }), status)
  }

  router.get('/', async (req, res) => {
    const stateText = queryText(req, 'state')
    if (stateText !== '' && !isJobState(stateText)) {
      await showJobs(req, res, undefined, { error: `Filter by one of: ${JOB_STATES.join(', ')}.` }, 400)
      return
    }
    const retried = queryText(req, 'retried')
    await showJobs(req, res, stateText === '' ? undefined : stateText, {
      notice: retried === '' ? undefined : 'The job is queued again.',
    })
  })

  router.post('/:id/retry', async (req, res) => {
    const id = pathId(req, 'job')
    const job = await store.jobs.findById(id)
    if (!job) throw new HttpError(404, 'not_found', 'There is no such job.')
    if (!(await store.jobs.revive(id, context.clock()))) {
      await showJobs(
        req,
        res,
        undefined,
        { error: `Job ${String(id)} is ${job.state}, not dead: only a dead job can be retried.` },
        409,
      )
      return
    }
    await recordAdminAction(context, currentAdmin(res).actor, {
      action: 'job.retry',
      jobId: id,
      kind: job.kind,
      attempts: job.attempts,
      lastError: job.lastError,
    })
    res.redirect(303, '/admin/jobs?retried=1')
  })

  return router
}

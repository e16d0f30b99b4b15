import type { Job, JobState } from '../../../db/jobs.js'
import { html, type SafeHtml } from '../html.js'
import { csrfField, notice, pageError } from './form.js'
import { formatTime, orDash } from './format.js'
import { type AdminFrame, adminLayout } from './layout.js'

/** Every job state, in the order of a job's life. */
export const JOB_STATES: readonly JobState[] = ['queued', 'running', 'done', 'dead']

/** What the jobs page shows. */
export interface JobsView {
  readonly jobs: readonly Job[]
  /** The state filter, or undefined for every state. */
  readonly state: JobState | undefined
  readonly notice?: string | undefined
  readonly error?: string | undefined
}

function filterLinks(current: JobState | undefined): SafeHtml {
  const link = (state: JobState | undefined, label: string) => {
    const href = state === undefined ? '/admin/jobs' : `/admin/jobs?state=${state}`
    return html`<a href="${href}"${state === current ? html` aria-current="true"` : ''}>${label}</a>`
  }
  return html`<nav class="filters" aria-label="Job state">${link(undefined, 'all')}${JOB_STATES.map((s) => link(s, s))}</nav>`
}

function jobRow(job: Job, csrfToken: string): SafeHtml {
  return html`<tr data-job="${job.id}" data-kind="${job.kind}" data-state="${job.state}">
    <td>${job.id}</td>
    <td>${job.kind}</td>
    <td>${job.owner}</td>
    <td><span class="state state-${job.state}">${job.state}</span></td>
    <td class="num">${job.attempts}/${job.maxAttempts}</td>
    <td>${formatTime(job.runAfter)}</td>
    <td>${formatTime(job.createdAt)}</td>
    <td><code>${JSON.stringify(job.payload)}</code></td>
    <td class="error-text">${orDash(job.lastError)}</td>
    <td>${
      job.state === 'dead'
        ? html`<form method="post" action="/admin/jobs/${job.id}/retry">${csrfField(csrfToken)}<button type="submit">Retry</button></form>`
        : ''
    }</td>
  </tr>`
}

/** `GET /admin/jobs`: the newest jobs, filtered by state, with a retry button on dead ones. */
export function jobsPage(frame: AdminFrame, view: JobsView): SafeHtml {
  return adminLayout(
    frame,
    { title: 'Jobs', section: 'jobs' },
    html`${notice(view.notice)}${pageError(view.error)}
    ${filterLinks(view.state)}
    ${
      view.jobs.length === 0
        ? html`<p class="muted">No jobs${view.state === undefined ? '' : html` in state ${view.state}`}.</p>`
        : html`<table id="jobs">
          <thead><tr><th>#</th><th>Kind</th><th>Owner</th><th>State</th><th class="num">Attempts</th><th>Run after</th><th>Created</th><th>Payload</th><th>Last error</th><th></th></tr></thead>
          <tbody>${view.jobs.map((job) => jobRow(job, frame.csrfToken))}</tbody>
        </table>`
    }`,
  )
}

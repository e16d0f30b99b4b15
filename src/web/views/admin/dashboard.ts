import type { Chat } from '../../../db/chats.js'
import type { JobCounts } from '../../../db/jobs.js'
import type { JobOwner } from '../../../jobs/kinds.js'
import type { MembershipState } from '../../../access/membership.js'
import type { Rule } from '../../../access/rules.js'
import type { TelegramHold } from '../../../db/holds.js'
import type { CanaryResult } from '../../../db/canary.js'
import type { WorkerState } from '../../../db/worker-state.js'
import { html, type SafeHtml } from '../html.js'
import { botRights } from './chats.js'
import { formatTime, orDash } from './format.js'
import { type AdminFrame, adminLayout } from './layout.js'

/** One rule on the dashboard, with the membership counts of its chat. */
export interface RuleSummary {
  readonly rule: Rule
  /** The group's name, or undefined for a rule over every member. */
  readonly groupName: string | undefined
  readonly chatTitle: string
  readonly counts: Readonly<Record<MembershipState, number>>
}

/** What the dashboard shows. */
export interface DashboardView {
  readonly members: number
  readonly rules: readonly RuleSummary[]
  readonly jobs: JobCounts
  readonly chats: readonly Chat[]
  /** The karma histogram's SVG; undefined while there are no members. */
  readonly histogram: SafeHtml | undefined
  /** The MTProto worker's last report. */
  readonly worker: WorkerState
  /** The login canary's last run, if it has run. */
  readonly canary: CanaryResult | undefined
  /** Telegram's waits for the whole bot or account, while they last. */
  readonly holds: readonly TelegramHold[]
  /** To tell whether a pause is still on. */
  readonly now: number
}

/** The worker's account, liveness, last error and pause, for admins to act on. */
function workerSection(worker: WorkerState, canary: CanaryResult | undefined, now: number): SafeHtml {
  const paused = worker.pausedUntil !== null && worker.pausedUntil > now
  return html`<section class="card" id="worker-state">
      <h2>Worker</h2>
      ${
        worker.userId === null
          ? html`<p class="muted">No Telegram account is logged in yet: run <code>node dist/cli.js worker:login</code> once, then the
            <code>worker</code> process. Until then, chats that rules need are not created.</p>`
          : html`<p>Logged in as <strong>${orDash(worker.userName)}</strong> (id ${worker.userId}); last seen ${formatTime(worker.lastSeenAt)}.</p>`
      }
      ${
        paused
          ? html`<p class="error-text" id="worker-paused">Paused until ${formatTime(worker.pausedUntil)}: ${orDash(worker.pauseReason)}.
            Telegram limits this account; it creates no chats until then.</p>`
          : ''
      }
      ${worker.lastError !== null ? html`<p class="muted">Last error (${formatTime(worker.lastErrorAt)}): ${worker.lastError}</p>` : ''}
      ${
        canary === undefined
          ? html`<p class="muted" id="canary">The login canary has not run (CANARY_INTERVAL_SECONDS).</p>`
          : canary.ok
            ? html`<p id="canary">Login canary passed ${formatTime(canary.checkedAt)} (${canary.durationMs} ms): bot, domain, signature and site work.</p>`
            : html`<p class="error-text" id="canary">Login canary failed ${formatTime(canary.checkedAt)}: ${orDash(canary.error)}</p>`
      }
      <p><a href="/admin/worker">Worker details and QR login</a></p>
    </section>`
}

function ruleRow(summary: RuleSummary): SafeHtml {
  const { rule, counts } = summary
  return html`<tr data-rule="${rule.id}"${rule.enabled ? '' : html` class="disabled"`}>
    <td><a href="/admin/rules/${rule.id}/edit">#${rule.id}</a></td>
    <td>${summary.groupName ?? 'every member'}</td>
    <td>${summary.chatTitle}</td>
    <td class="num">${rule.minKarma}</td>
    <td class="num">${orDash(rule.removeBelow)}</td>
    <td>${rule.enabled ? 'enabled' : 'disabled'}</td>
    <td class="num" data-state="eligible">${counts.eligible}</td>
    <td class="num" data-state="invited">${counts.invited}</td>
    <td class="num" data-state="member">${counts.member}</td>
    <td class="num" data-state="removed">${counts.removed}</td>
  </tr>`
}

function jobRow(owner: JobOwner, jobs: JobCounts): SafeHtml {
  const c = jobs[owner]
  return html`<tr data-owner="${owner}">
    <td>${owner}</td>
    <td class="num" data-jobs="pending">${c.queued + c.running}</td>
    <td class="num" data-jobs="dead">${c.dead > 0 ? html`<a href="/admin/jobs?state=dead">${c.dead}</a>` : '0'}</td>
    <td class="num">${c.done}</td>
  </tr>`
}

function chatRow(chat: Chat): SafeHtml {
  return html`<tr data-chat="${chat.id}">
    <td>${chat.title}</td>
    <td><span class="state state-${chat.state}">${chat.state}</span></td>
    <td>${orDash(chat.botStatus)}</td>
    <td>${botRights(chat)}</td>
    <td class="error-text">${orDash(chat.lastError)}</td>
  </tr>`
}

/** `GET /admin`: members, rules with their chats' counts, the job queue, the chats, the histogram. */
export function dashboardPage(frame: AdminFrame, view: DashboardView): SafeHtml {
  return adminLayout(
    frame,
    { title: 'Dashboard', section: 'dashboard' },
    html`<section class="card stats">
      <p><span class="big" id="member-count">${view.members}</span> members</p>
    </section>
    <section class="card">
      <h2>Karma</h2>
      ${view.histogram ?? html`<p class="muted">No members yet.</p>`}
      <p class="muted">Bar heights are logarithmic; point at a bar for its count. Solid lines: a rule’s minimum karma;
        dashed: where it removes members.</p>
    </section>
    <section class="card">
      <h2>Rules</h2>
      ${
        view.rules.length === 0
          ? html`<p class="muted">No rules yet. <a href="/admin/rules/new">Create one</a>.</p>`
          : html`<table id="rule-summary">
            <thead><tr><th>Rule</th><th>Group</th><th>Chat</th><th class="num">Min</th><th class="num">Remove below</th><th></th>
              <th class="num">Eligible</th><th class="num">Invited</th><th class="num">In the chat</th><th class="num">Removed</th></tr></thead>
            <tbody>${view.rules.map(ruleRow)}</tbody>
          </table>`
      }
    </section>
    <section class="card">
      <h2>Jobs</h2>
      <table id="job-summary">
        <thead><tr><th>Owner</th><th class="num">Pending</th><th class="num">Dead</th><th class="num">Done</th></tr></thead>
        <tbody>${jobRow('bot', view.jobs)}${jobRow('worker', view.jobs)}</tbody>
      </table>
      ${view.holds.map(
        (hold) =>
          html`<p class="error-text" id="hold-${hold.account}">Telegram calls of the ${hold.account === 'bot' ? 'bot' : "worker's account"} wait until ${formatTime(hold.until)}: ${hold.reason}. Jobs start again then, by themselves.</p>`,
      )}
    </section>
    ${workerSection(view.worker, view.canary, view.now)}
    <section class="card">
      <h2>Chats</h2>
      ${
        view.chats.length === 0
          ? html`<p class="muted">No chats yet; create one with a rule.</p>`
          : html`<table id="chat-summary">
            <thead><tr><th>Chat</th><th>State</th><th>Bot</th><th>Bot may</th><th>Last error</th></tr></thead>
            <tbody>${view.chats.map(chatRow)}</tbody>
          </table>`
      }
    </section>`,
  )
}

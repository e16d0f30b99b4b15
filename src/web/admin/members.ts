import { randomBytes } from 'node:crypto'
import { type Request, type Response, Router } from 'express'
import { setMemberGroups, UnknownGroupError } from '../../access/set-member-groups.js'
import type { Member } from '../../db/members.js'
import { appendKarmaEvent } from '../../karma/append.js'
import { KarmaError } from '../../karma/events.js'
import { HttpError } from '../errors.js'
import type { FieldErrors } from '../views/admin/form.js'
import { type KarmaFormValues, memberPage } from '../views/admin/member.js'
import { membersPage } from '../views/admin/members.js'
import type { AdminContext } from './deps.js'
import {
  formBody,
  FormError,
  fieldErrors,
  listField,
  parseId,
  parseInteger,
  pathId,
  queryText,
  textField,
} from './form.js'
import { currentAdmin } from './guard.js'
import type { Render } from './render.js'

/** Members per page of the list. @default 50 */
export const MEMBERS_PER_PAGE = 50
/** Ledger events shown on a member's page. @default 20 */
export const LEDGER_EVENTS_SHOWN = 20
/** Longest search text. @default 100 */
export const MAX_SEARCH_LENGTH = 100

// A Map, not an object: `?done=constructor` must find nothing.
const NOTICES = new Map([
  ['karma', 'Karma adjusted.'],
  ['karma-again', 'That adjustment had already been applied; it was not applied twice.'],
  ['groups', 'Groups saved.'],
])

/** Our own idempotency keys: a prefix of their own, so they never meet an API client's. */
const KEY_SHAPE = /^admin-[A-Za-z0-9_-]{22}$/
const freshKey = (): string => `admin-${randomBytes(16).toString('base64url')}`
const blankKarmaForm = (): KarmaFormValues => ({ delta: '', reason: '', idempotencyKey: freshKey() })

/** The HTTP status for a refused karma event. */
function karmaStatus(error: KarmaError): number {
  return error.code === 'idempotency_conflict' ? 409 : error.code === 'member_not_found' ? 404 : 400
}

/** A ledger field name as the form calls it. */
function karmaField(error: KarmaError): string {
  return error.field === 'delta' || error.field === 'reason' || error.field === 'idempotencyKey' ? error.field : 'delta'
}

/** `/admin/members`: search and pages, each member's page, karma adjustments, groups. */
export function memberRoutes(context: AdminContext, render: Render): Router {
  const { store } = context
  const router = Router()

  interface PageState {
    readonly karmaForm?: KarmaFormValues
    /** Slugs to show checked instead of the stored ones (a refused groups form). */
    readonly memberGroups?: readonly string[]
    readonly errors?: FieldErrors
    readonly status?: number
  }

  const showMember = async (req: Request, res: Response, member: Member, state: PageState = {}) => {
    const [groups, memberGroups, events, chats] = await Promise.all([
      store.groups.list(),
      store.groups.ofMember(member.id),
      store.adminStats.recentKarmaEvents(member.id, LEDGER_EVENTS_SHOWN),
      store.adminStats.memberChats(member.id),
    ])
    const view = {
      member,
      groups,
      memberGroups: state.memberGroups ?? memberGroups.map((g) => g.slug),
      events,
      chats,
      karmaForm: state.karmaForm ?? blankKarmaForm(),
      errors: state.errors ?? {},
      notice: NOTICES.get(queryText(req, 'done')),
    }
    render(req, res, (frame) => memberPage(frame, view), state.status)
  }

  const findMember = async (req: Request): Promise<Member> => {
    const member = await store.members.findById(pathId(req, 'member'))
    if (!member) throw new HttpError(404, 'not_found', 'There is no such member.')
    return member
  }

  router.get('/', async (req, res) => {
    const query = queryText(req, 'q')
    const beforeText = queryText(req, 'before')
    const afterText = queryText(req, 'after')
    const before = beforeText === '' ? undefined : parseId(beforeText)
    const after = afterText === '' ? undefined : parseId(afterText)
    let errors: FieldErrors = {}
    if (query.length > MAX_SEARCH_LENGTH) errors = { q: `Search for at most ${String(MAX_SEARCH_LENGTH)} characters.` }
    else if (
      (beforeText !== '' && before === undefined) ||
      (afterText !== '' && after === undefined) ||
      (beforeText !== '' && afterText !== '')
    ) {
      errors = { q: 'That page does not exist; start from the first page.' }
    }
    if (Object.keys(errors).length > 0) {
      render(
        req,
        res,
        (frame) =>
          membersPage(frame, {
            query: query.slice(0, MAX_SEARCH_LENGTH),
            members: [],
            nextBefore: undefined,
            prevAfter: undefined,
            paged: false,
            errors,
          }),
        400,
      )
      return
    }
    const page = await store.members.search({ query, before, after, limit: MEMBERS_PER_PAGE })
    render(req, res, (frame) =>
      membersPage(frame, {
        query,
        members: page.members,
        nextBefore: page.nextBefore,
        prevAfter: page.prevAfter,
        paged: page.prevAfter !== undefined,
      }),
    )
  })

  router.get('/:id', async (req, res) => {
    await showMember(req, res, await findMember(req))
  })

  router.post('/:id/karma', async (req, res) => {
    const member = await findMember(req)
    const admin = currentAdmin(res)
    const body = formBody(req)
    let values: KarmaFormValues = blankKarmaForm()
    try {
      const submittedKey = textField(body, 'idempotencyKey')
      values = {
        delta: textField(body, 'delta'),
        reason: textField(body, 'reason'),
        idempotencyKey: KEY_SHAPE.test(submittedKey) ? submittedKey : freshKey(),
      }
      if (!KEY_SHAPE.test(submittedKey))
        throw new FormError('The form was incomplete. Check the values and submit it again.', 'idempotencyKey')
      const delta = parseInteger(values.delta)
      if (delta === undefined) throw new FormError('The change must be a whole number, like +10 or -2.', 'delta')
      const result = await appendKarmaEvent(
        store,
        { source: 'admin', actor: admin.actor },
        { member: { memberId: member.id }, delta, reason: values.reason, idempotencyKey: values.idempotencyKey },
      )
      if (!result.replayed)
        context.logger.info({ memberId: member.id, delta, actor: admin.actor }, 'admin adjusted karma')
      res.redirect(303, `/admin/members/${String(member.id)}?done=${result.replayed ? 'karma-again' : 'karma'}`)
    } catch (err) {
      if (err instanceof FormError) {
        await showMember(req, res, member, { karmaForm: values, errors: fieldErrors(err, 'delta'), status: 400 })
      } else if (err instanceof KarmaError) {
        // A key reused with other values: this form was submitted before. Offer a fresh one.
        const karmaForm = err.code === 'idempotency_conflict' ? { ...values, idempotencyKey: freshKey() } : values
        const message =
          err.code === 'idempotency_conflict'
            ? 'This form was already submitted with other values. Check the changes below, then submit again.'
            : err.message
        await showMember(req, res, member, {
          karmaForm,
          errors: { [karmaField(err)]: message },
          status: karmaStatus(err),
        })
      } else {
        throw err
      }
    }
  })

  router.post('/:id/groups', async (req, res) => {
    const member = await findMember(req)
    const slugs = listField(formBody(req), 'groups')
    try {
      await setMemberGroups(store, { memberId: member.id, slugs, actor: currentAdmin(res).actor, now: context.clock() })
      res.redirect(303, `/admin/members/${String(member.id)}?done=groups`)
    } catch (err) {
      if (!(err instanceof UnknownGroupError)) throw err
      await showMember(req, res, member, { memberGroups: slugs, errors: { groups: err.message }, status: 400 })
    }
  })

  return router
}

import { type Request, type Response, Router } from 'express'
import { saveRule } from '../../access/save-rule.js'
import { RuleError } from '../../access/rules.js'
import { HttpError } from '../errors.js'
import type { FieldErrors } from '../views/admin/form.js'
import { type RuleFormValues, ruleFormPage } from '../views/admin/rule-form.js'
import { rulesPage } from '../views/admin/rules.js'
import { type AdminContext, recordAdminAction } from './deps.js'
import { formBody, FormError, fieldErrors, pathId, queryText, textField } from './form.js'
import { currentAdmin } from './guard.js'
import type { Render } from './render.js'
import { BLANK_RULE_FORM, parseRuleForm, ruleFormValues, ruleFormValuesOf } from './rule-form.js'

// A Map, not an object: `?done=constructor` must find nothing.
const NOTICES = new Map([
  ['created', 'Rule created.'],
  ['saved', 'Rule saved.'],
  ['enabled', 'Rule enabled.'],
  ['disabled', 'Rule disabled.'],
])

/** `/admin/rules`: list, create (with a new chat if needed), edit, enable and disable. */
export function ruleRoutes(context: AdminContext, render: Render): Router {
  const { store } = context
  const router = Router()

  const showForm = async (
    req: Request,
    res: Response,
    ruleId: number | undefined,
    values: RuleFormValues,
    errors: FieldErrors = {},
    status = 200,
  ) => {
    const [groups, chats] = await Promise.all([store.groups.list(), store.chats.list()])
    render(req, res, (frame) => ruleFormPage(frame, { ruleId, values, groups, chats, errors }), status)
  }

  /** Validates, creates the new chat if asked, then saves (audited and reconciled by `saveRule`). */
  const submit = async (req: Request, res: Response, ruleId: number | undefined) => {
    const admin = currentAdmin(res)
    const values = ruleFormValues(formBody(req))
    try {
      const [groups, chats] = await Promise.all([store.groups.list(), store.chats.list()])
      const parsed = parseRuleForm(values, groups, chats)
      let chatId = parsed.rule.chatId
      if (parsed.newChat) {
        const chat = await store.chats.create(parsed.newChat.title, parsed.newChat.description, context.clock())
        await recordAdminAction(context, admin.actor, {
          action: 'chat.create',
          chatId: chat.id,
          ...parsed.newChat,
        })
        chatId = chat.id
      }
      if (chatId === undefined) throw new Error('a parsed rule form has a chat')
      const saved = await saveRule(store, {
        ruleId,
        rule: { ...parsed.rule, chatId },
        actor: admin.actor,
        now: context.clock(),
      })
      if (!saved) throw new HttpError(404, 'not_found', 'There is no such rule.')
      context.logger.info(
        { ruleId: saved.rule.id, actor: admin.actor, ...saved.report, directAddsQueued: saved.directAddsQueued },
        'admin saved a rule',
      )
      res.redirect(303, `/admin/rules?done=${ruleId === undefined ? 'created' : 'saved'}`)
    } catch (err) {
      if (!(err instanceof FormError || err instanceof RuleError)) throw err
      await showForm(req, res, ruleId, values, fieldErrors(err, 'minKarma'), 400)
    }
  }

  const findRule = async (req: Request) => {
    const rule = await store.rules.findById(pathId(req, 'rule'))
    if (!rule) throw new HttpError(404, 'not_found', 'There is no such rule.')
    return rule
  }

  router.get('/', async (req, res) => {
    const [rules, groups, chats] = await Promise.all([store.rules.list(), store.groups.list(), store.chats.list()])
    render(req, res, (frame) => rulesPage(frame, { rules, groups, chats, notice: NOTICES.get(queryText(req, 'done')) }))
  })

  router.get('/new', async (req, res) => {
    await showForm(req, res, undefined, BLANK_RULE_FORM)
  })

  router.post('/', async (req, res) => {
    await submit(req, res, undefined)
  })

  router.get('/:id/edit', async (req, res) => {
    const rule = await findRule(req)
    await showForm(req, res, rule.id, ruleFormValuesOf(rule))
  })

  router.post('/:id', async (req, res) => {
    const rule = await findRule(req)
    await submit(req, res, rule.id)
  })

  router.post('/:id/enabled', async (req, res) => {
    const rule = await findRule(req)
    const wanted = textField(formBody(req), 'enabled')
    if (wanted !== '0' && wanted !== '1')
      throw new HttpError(400, 'bad_form', 'Say whether to enable (1) or disable (0) the rule.')
    const enabled = wanted === '1'
    await saveRule(store, {
      ruleId: rule.id,
      rule: { ...rule, enabled },
      actor: currentAdmin(res).actor,
      now: context.clock(),
    })
    res.redirect(303, `/admin/rules?done=${enabled ? 'enabled' : 'disabled'}`)
  })

  return router
}

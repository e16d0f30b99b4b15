import { randomBytes } from 'node:crypto'
import { type Request, type Response, Router } from 'express'
import { HttpError } from '../errors.js'
import { apiKeyAlreadyCreatedPage, apiKeyCreatedPage, apiKeysPage, type ApiKeysView } from '../views/admin/api-keys.js'
import { type AdminContext, recordAdminAction } from './deps.js'
import { formBody, FormError, fieldErrors, pathId, queryText, textField } from './form.js'
import { currentAdmin } from './guard.js'
import type { Render } from './render.js'
import { textProblem } from '../../text.js'

/** Longest key name (the `api_keys` table's bound). @default 100 */
export const MAX_KEY_NAME = 100

function parseKeyName(name: string): string {
  if (name === '') throw new FormError('Name the key after who uses it, e.g. "forum".', 'name')
  if (name.length > MAX_KEY_NAME)
    throw new FormError(`A key's name has at most ${String(MAX_KEY_NAME)} characters.`, 'name')
  const problem = textProblem(name)
  if (problem !== undefined) throw new FormError(`A key’s name ${problem}.`, 'name')
  return name
}

/** A create form's one-time token, as the form carries it. */
const NONCE = /^[A-Za-z0-9_-]{16,64}$/

/** A fresh one-time token for the create form: 128 random bits. */
const newNonce = (): string => randomBytes(16).toString('base64url')

/**
 * `/admin/api-keys`: list, create (the secret shown once), revoke; each change audited. The
 * create form carries a one-time token: sent again (a double click, a reload that posts again),
 * it answers 409 with the key it already created instead of making a second one. A post
 * without a token (a script) creates a key each time, as before.
 */
export function apiKeyRoutes(context: AdminContext, render: Render): Router {
  const { store } = context
  const router = Router()

  const showKeys = async (
    req: Request,
    res: Response,
    view: Omit<ApiKeysView, 'keys' | 'nonce'> = {},
    status = 200,
  ) => {
    const keys = await store.apiKeys.list()
    render(req, res, (frame) => apiKeysPage(frame, { keys, nonce: newNonce(), ...view }), status)
  }

  router.get('/', async (req, res) => {
    await showKeys(req, res, {
      notice: queryText(req, 'done') === 'revoked' ? 'Key revoked: it no longer works.' : undefined,
    })
  })

  router.post('/', async (req, res) => {
    const admin = currentAdmin(res)
    let name = ''
    try {
      const body = formBody(req)
      name = textField(body, 'name')
      const nonce = textField(body, 'nonce')
      if (nonce !== '' && !NONCE.test(nonce))
        throw new FormError('This form is out of date: reload the page and send it again.', 'name')
      const keyName = parseKeyName(name)
      const outcome =
        nonce === ''
          ? { created: await store.apiKeys.create(keyName, context.clock()) }
          : await store.apiKeys.createOnce(keyName, context.clock(), nonce)
      if ('existing' in outcome) {
        const { existing } = outcome
        render(req, res, (frame) => apiKeyAlreadyCreatedPage(frame, existing), 409)
        return
      }
      const { created } = outcome
      await recordAdminAction(context, admin.actor, {
        action: 'api_key.create',
        apiKeyId: created.key.id,
        name: created.key.name,
        prefix: created.key.prefix,
      })
      context.logger.info({ apiKeyId: created.key.id, actor: admin.actor }, 'admin created an API key')
      // The answer itself shows the secret (never a redirect, whose URL could keep it).
      render(req, res, (frame) => apiKeyCreatedPage(frame, created))
    } catch (err) {
      if (!(err instanceof FormError)) throw err
      await showKeys(req, res, { name, errors: fieldErrors(err, 'name') }, 400)
    }
  })

  router.post('/:id/revoke', async (req, res) => {
    const id = pathId(req, 'API key')
    const key = (await store.apiKeys.list()).find((k) => k.id === id)
    if (!key) throw new HttpError(404, 'not_found', 'There is no such API key.')
    if (!(await store.apiKeys.revoke(id, context.clock()))) {
      await showKeys(req, res, { error: `The key “${key.name}” was already revoked.` }, 409)
      return
    }
    await recordAdminAction(context, currentAdmin(res).actor, {
      action: 'api_key.revoke',
      apiKeyId: id,
      name: key.name,
      prefix: key.prefix,
    })
    res.redirect(303, '/admin/api-keys?done=revoked')
  })

  return router
}

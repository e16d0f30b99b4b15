import express, { type NextFunction, type Request, type RequestHandler, type Response, Router } from 'express'
import type { Logger } from 'pino'
import { z } from 'zod'
import type { TelegramEmulator } from '../emulator.js'
import { SandboxError } from '../errors.js'

/** The header every state-changing control request carries; a cross-site form cannot send it. */
export const SANDBOX_REQUEST_HEADER = 'X-Sandbox-Request'

const NewUserBody = z
  .object({
    firstName: z.string().max(200),
    lastName: z.string().max(200).optional(),
    username: z.string().max(64).optional(),
    languageCode: z.string().max(35).optional(),
    restrictsGroupAdds: z.boolean().optional(),
  })
  .strict()
const TextBody = z.object({ text: z.string().max(5000) }).strict()
const CallbackBody = z.object({ messageId: z.number().int().positive(), data: z.string().max(64) }).strict()
const LoginBody = z
  .object({ messageId: z.number().int().positive(), row: z.number().int().min(0), column: z.number().int().min(0) })
  .strict()
const ConfirmBody = z.object({ allowWrite: z.boolean() }).strict()
const BlockBody = z.object({ blocked: z.boolean() }).strict()
const PrivacyBody = z.object({ restrictsGroupAdds: z.boolean() }).strict()
const JoinBody = z.object({ inviteLink: z.string().max(200) }).strict()

function fail(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } })
}

/**
 * The CSRF defence: a state-changing request must be JSON and carry {@link SANDBOX_REQUEST_HEADER},
 * which a cross-site form cannot send and a cross-site script cannot without CORS.
 */
const requireSandboxRequest: RequestHandler = (req, res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD') {
    next()
    return
  }
  if (req.get(SANDBOX_REQUEST_HEADER) !== '1' || !req.is('application/json')) {
    fail(
      res,
      403,
      'sandbox_request_refused',
      `Control requests must be JSON and carry the ${SANDBOX_REQUEST_HEADER}: 1 header.`,
    )
    return
  }
  next()
}

/** Parses `body` with `schema`, or throws a 400 naming the first problem. */
function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {})
  if (!result.success) {
    const issue = result.error.issues[0]
    const where = issue?.path.join('.') ?? ''
    throw new SandboxError('invalid_input', `${where === '' ? 'The request' : where}: ${issue?.message ?? 'invalid'}`)
  }
  return result.data
}

function userIdParam(req: Request): number {
  const raw = String(req.params.userId)
  const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN
  if (!Number.isSafeInteger(id)) throw new SandboxError('user_not_found', 'There is no such user.')
  return id
}

/** Wraps a handler so that a thrown {@link SandboxError} becomes its 4xx. */
function handle(run: (req: Request, res: Response) => Promise<void> | void): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    Promise.resolve()
      .then(() => run(req, res))
      .catch(next)
  }
}

/** What the control API needs. */
export interface ControlDeps {
  readonly emulator: TelegramEmulator
  readonly logger: Logger
}

/** The page's JSON API, `/control/…`: every user action the Telegram app offers. */
export function controlRoutes(deps: ControlDeps): Router {
  const { emulator, logger } = deps
  const router = Router()
  router.use(requireSandboxRequest)
  router.use(express.json({ limit: '16kb', type: 'application/json' }))
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store')
    next()
  })

  router.get('/state', (_req, res) => {
    res.json({
      bot: { id: emulator.botId, username: emulator.botUsername, name: emulator.botName },
      loginDomain: emulator.loginDomain ?? null,
      users: emulator.users(),
    })
  })

  router.post(
    '/users',
    handle((req, res) => {
      const body = parse(NewUserBody, req.body)
      res.status(201).json({ user: emulator.createUser(body) })
    }),
  )

  router.get(
    '/chats/:userId',
    handle((req, res) => {
      const userId = userIdParam(req)
      const user = emulator.user(userId)
      if (!user) throw new SandboxError('user_not_found', 'There is no such user.')
      res.json({
        user,
        version: emulator.chatVersion(userId),
        messages: emulator.chatHistory(userId),
        commands: emulator.commandsFor(userId),
      })
    }),
  )

  router.post(
    '/chats/:userId/messages',
    handle(async (req, res) => {
      const { text } = parse(TextBody, req.body)
      res.status(201).json({ message: await emulator.sendText(userIdParam(req), text) })
    }),
  )

  router.post(
    '/chats/:userId/callback',
    handle(async (req, res) => {
      const userId = userIdParam(req)
      const { messageId, data } = parse(CallbackBody, req.body)
      res.json({ answer: await emulator.pressCallbackButton(userId, userId, messageId, data) })
    }),
  )

  router.post(
    '/chats/:userId/login',
    handle((req, res) => {
      const userId = userIdParam(req)
      const { messageId, row, column } = parse(LoginBody, req.body)
      res.json({ prompt: emulator.tapLoginButton(userId, userId, messageId, [row, column]) })
    }),
  )

  router.post(
    '/login/:promptId/confirm',
    handle((req, res) => {
      const { allowWrite } = parse(ConfirmBody, req.body)
      res.json({ url: emulator.confirmLogin(String(req.params.promptId), { allowWrite }) })
    }),
  )

  router.post(
    '/login/:promptId/cancel',
    handle((req, res) => {
      emulator.cancelLogin(String(req.params.promptId))
      res.status(204).end()
    }),
  )

  router.post(
    '/chats/:userId/block',
    handle((req, res) => {
      const userId = userIdParam(req)
      const { blocked } = parse(BlockBody, req.body)
      if (blocked) emulator.blockBot(userId)
      else emulator.unblockBot(userId)
      res.json({ user: emulator.user(userId) })
    }),
  )

  // "Who can add me to groups": nobody (true) makes an account's direct add fail, as in Telegram.
  router.post(
    '/chats/:userId/privacy',
    handle((req, res) => {
      const userId = userIdParam(req)
      const { restrictsGroupAdds } = parse(PrivacyBody, req.body)
      emulator.setGroupAddPrivacy(userId, restrictsGroupAdds)
      res.json({ user: emulator.user(userId) })
    }),
  )

  router.post(
    '/chats/:userId/join',
    handle((req, res) => {
      const { inviteLink } = parse(JoinBody, req.body)
      res.json({ outcome: emulator.requestToJoin(userIdParam(req), inviteLink) })
    }),
  )

  router.use((_req, res) => {
    fail(res, 404, 'not_found', 'There is no such control endpoint.')
  })

  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(err)
      return
    }
    if (err instanceof SandboxError) {
      fail(res, err.status, err.code, err.message)
      return
    }
    const status = (err as { status?: unknown }).status
    if (typeof status === 'number' && status >= 400 && status < 500) {
      fail(
        res,
        status,
        'bad_request',
        status === 413 ? 'The request is too large.' : 'The request body is not valid JSON.',
      )
      return
    }
    logger.error({ err }, 'sandbox control request failed')
    fail(res, 500, 'internal', 'The sandbox could not handle this request.')
  })
  return router
}

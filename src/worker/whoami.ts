import { tl, type TelegramClient } from '@mtcute/node'
import { type LoggedInUser, loggedInUser } from './qr-login.js'

/** The session file holds no logged-in account (never logged in, or the session was revoked). */
export class NotLoggedInError extends Error {
  override readonly name = 'NotLoggedInError'
}

/** Who the session is logged in as; {@link NotLoggedInError} when nobody is. */
export async function whoAmI(tg: TelegramClient): Promise<LoggedInUser> {
  try {
    return loggedInUser(await tg.getMe())
  } catch (err) {
    // 401s are Telegram's "no authorization here" (AUTH_KEY_UNREGISTERED, SESSION_REVOKED …).
    if (tl.RpcError.is(err) && err.code === 401) {
      throw new NotLoggedInError('the worker is not logged in: run `node dist/cli.js worker:login` first', {
        cause: err,
      })
    }
    throw err
  }
}

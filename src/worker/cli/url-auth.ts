import type { TelegramClient } from '@mtcute/node'
import { parseArgs } from 'node:util'
import { acceptUrlAuth } from '../ops/accept-url-auth.js'
import { requestUrlAuth, type UrlAuthButton } from '../ops/request-url-auth.js'
import type { UrlAuthOutcome } from '../ops/url-auth-result.js'
import { type CommandIo, WorkerExit } from './io.js'

const USAGE = 'Usage: karmagate worker:url-auth --peer @bot --msg-id N [--button-id M] [--accept [--allow-write]]'

/** The parsed arguments of `worker:url-auth`, or a usage problem. */
export function parseUrlAuthArgs(
  argv: readonly string[],
): { button: UrlAuthButton; accept: boolean; allowWrite: boolean } | { problem: string } {
  let values
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        peer: { type: 'string' },
        'msg-id': { type: 'string' },
        'button-id': { type: 'string' },
        accept: { type: 'boolean', default: false },
        'allow-write': { type: 'boolean', default: false },
      },
      strict: true,
    }).values
  } catch (err) {
    return { problem: (err as Error).message }
  }
  const wholeNumber = (s: string | undefined) => (s !== undefined && /^\d{1,10}$/.test(s) ? Number(s) : undefined)
  const msgId = wholeNumber(values['msg-id'])
  const buttonId = values['button-id'] === undefined ? 0 : wholeNumber(values['button-id'])
  if (values.peer === undefined || values.peer === '') return { problem: '--peer is required (e.g. @karmagate_bot)' }
  if (msgId === undefined || msgId === 0) return { problem: '--msg-id must be a message id (a positive whole number)' }
  if (buttonId === undefined) return { problem: '--button-id must be a whole number' }
  if (values['allow-write'] && !values.accept) return { problem: '--allow-write goes with --accept' }
  return { button: { peer: values.peer, msgId, buttonId }, accept: values.accept, allowWrite: values['allow-write'] }
}

function describe(outcome: UrlAuthOutcome): string {
  switch (outcome.kind) {
    case 'request':
      return `Telegram asks to log in to ${outcome.domain} through ${outcome.botUsername !== null ? `@${outcome.botUsername}` : `bot ${String(outcome.botId)}`}${outcome.requestWriteAccess ? ', and for permission for the bot to write to you' : ''}.\n`
    case 'accepted':
      return `Accepted. Open: ${outcome.url ?? '(Telegram gave no URL)'}\n`
    case 'default':
      return "Telegram will not sign this login: open the button's URL as it is. The site's domain is most likely not linked to the bot (BotFather: /setdomain).\n"
  }
}

/**
 * `worker:url-auth`: presses a login button (`keyboardButtonUrlAuth`) as this account and shows
 * Telegram's answer; with `--accept`, confirms it and prints the signed URL.
 */
export async function runWorkerUrlAuth(tg: TelegramClient, io: CommandIo, argv: readonly string[]): Promise<number> {
  const args = parseUrlAuthArgs(argv)
  if ('problem' in args) {
    io.err(`${args.problem}\n${USAGE}\n`)
    return WorkerExit.usage
  }
  const requested = await requestUrlAuth(tg, args.button)
  io.out(describe(requested))
  if (requested.kind !== 'request' || !args.accept) return WorkerExit.ok
  const accepted = await acceptUrlAuth(tg, { ...args.button, allowWrite: args.allowWrite })
  io.out(describe(accepted))
  return accepted.kind === 'accepted' ? WorkerExit.ok : WorkerExit.failure
}

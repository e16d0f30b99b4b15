import { badRequest } from '../errors.js'
import { checkCommands, checkScope } from '../bot-commands.js'
import type { BotApiMethod } from './context.js'

/** `getMe`, and the bot's command menu. */
export const botMethods: Readonly<Record<string, BotApiMethod>> = {
  getMe: (_params, context) => context.me,

  setMyCommands: (params, context) => {
    const commands = checkCommands(params.json('commands', badRequest("can't parse commands JSON object")))
    const scope = checkScope(params.json('scope', badRequest("can't parse BotCommandScope JSON object")))
    context.commands.set(commands, scope, params.string('language_code') ?? '')
    return true
  },

  getMyCommands: (params, context) => {
    const scope = checkScope(params.json('scope', badRequest("can't parse BotCommandScope JSON object")))
    return context.commands.get(scope, params.string('language_code') ?? '')
  },

  deleteMyCommands: (params, context) => {
    const scope = checkScope(params.json('scope', badRequest("can't parse BotCommandScope JSON object")))
    context.commands.set([], scope, params.string('language_code') ?? '')
    return true
  },
}

import { Api } from 'grammy'

/**
 * Asks the Bot API who the bot is (`getMe`) and returns its username. Used once at start when
 * `BOT_USERNAME` is not configured. grammY's errors name the method, never the token.
 */
export async function fetchBotUsername(botToken: string, apiRoot: string): Promise<string> {
  const me = await new Api(botToken, { apiRoot }).getMe()
  return me.username
}

import type { BotCommand } from 'grammy/types'

/** The commands shown in Telegram's menu (`setMyCommands`); every one is handled in `features/`. */
export const BOT_COMMANDS: readonly BotCommand[] = [
  { command: 'start', description: 'Welcome and a login button' },
  { command: 'login', description: 'Log in to the site' },
  { command: 'me', description: 'Your karma and groups' },
  { command: 'chats', description: 'Private chats you may join' },
  { command: 'help', description: 'What this bot does' },
]

/** The update kinds karmagate handles; asked for by both `setWebhook` and polling. */
export const ALLOWED_UPDATES = [
  'message',
  'callback_query',
  'chat_join_request',
  'chat_member',
  'my_chat_member',
] as const

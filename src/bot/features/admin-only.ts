import type { MiddlewareFn } from 'grammy'
import type { BotContext, BotDeps } from '../context.js'

/** Lets a command through only for the site's admins (`ADMIN_TELEGRAM_IDS`). */
export function adminOnly(deps: BotDeps): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    if (ctx.from && deps.config.adminTelegramIds.has(ctx.from.id)) {
      await next()
      return
    }
    await ctx.reply("This command is for the site's admins.")
  }
}

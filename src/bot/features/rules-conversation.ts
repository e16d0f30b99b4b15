import { type Conversation, createConversation } from '@grammyjs/conversations'
import { Composer, type Context } from 'grammy'
import { saveRule } from '../../access/save-rule.js'
import { RuleError } from '../../access/rules.js'
import type { BotContext, BotDeps } from '../context.js'
import { adminOnly } from './admin-only.js'
import { privateOnly } from './private-only.js'
import { textProblem } from '../../text.js'

type RulesConversation = Conversation<BotContext, Context>

interface RuleLine {
  readonly id: number
  readonly text: string
  readonly chatId: number
  readonly groupId: number | null
  readonly minKarma: number
  readonly removeBelow: number | null
  readonly enabled: boolean
}

/** Asks a question and waits for a text answer; undefined when the admin sends /cancel. */
async function ask(conversation: RulesConversation, ctx: Context, question: string): Promise<string | undefined> {
  await ctx.reply(question)
  const answer = await conversation.waitFor('message:text', {
    otherwise: (other) => other.reply('Please answer with text, or send /cancel.'),
  })
  const text = answer.message.text.trim()
  if (text === '/cancel') {
    await answer.reply('Cancelled; nothing was changed.')
    return undefined
  }
  return text
}

/** Asks until the answer is a whole number (or `-` when `allowNone`); undefined on /cancel. */
async function askNumber(
  conversation: RulesConversation,
  ctx: Context,
  question: string,
  allowNone: boolean,
): Promise<number | null | undefined> {
  for (;;) {
    const text = await ask(conversation, ctx, question)
    if (text === undefined) return undefined
    if (allowNone && text === '-') return null
    if (/^-?\d{1,10}$/.test(text)) return Number(text)
    await ctx.reply(allowNone ? 'Send a whole number, or - for none.' : 'Send a whole number.')
  }
}

/** Picks an item by its number in a list; undefined on /cancel. */
async function askChoice(
  conversation: RulesConversation,
  ctx: Context,
  question: string,
  count: number,
  extra: readonly string[],
): Promise<number | string | undefined> {
  for (;;) {
    const text = await ask(conversation, ctx, question)
    if (text === undefined) return undefined
    if (extra.includes(text.toLowerCase())) return text.toLowerCase()
    const n = Number(text)
    if (Number.isInteger(n) && n >= 1 && n <= count) return n
    await ctx.reply(`Send a number from 1 to ${String(count)}${extra.length > 0 ? ` or ${extra.join(' / ')}` : ''}.`)
  }
}

/**
 * `/rules`: an admin creates or changes a threshold in a conversation. Its state is stored in
 * SQLite (see `bot.ts`), so a restart in the middle does not lose it; every read and write goes
 * through `conversation.external`, so replays do not repeat them.
 */
function rulesConversation(deps: BotDeps) {
  return async function rules(conversation: RulesConversation, ctx: Context): Promise<void> {
    const adminId = ctx.from?.id ?? 0
    const overview = await conversation.external(async () => {
      const [all, chats, groups] = await Promise.all([
        deps.store.rules.list(),
        deps.store.chats.list(),
        deps.store.groups.list(),
      ])
      const chatTitle = new Map(chats.map((c) => [c.id, c.title]))
      const groupName = new Map(groups.map((g) => [g.id, g.name]))
      const lines: RuleLine[] = all.map((r) => ({
        ...r,
        text: `${r.groupId === null ? 'Everyone' : (groupName.get(r.groupId) ?? '?')} → ${chatTitle.get(r.chatId) ?? '?'}: min ${String(r.minKarma)}, remove below ${r.removeBelow === null ? 'never' : String(r.removeBelow)}${r.directAdd ? ', direct add' : ''}${r.enabled ? '' : ' (disabled)'}`,
      }))
      return {
        lines,
        chats: chats.map((c) => ({ id: c.id, title: c.title })),
        groups: groups.map((g) => ({ id: g.id, name: g.name })),
      }
    })
    const list = overview.lines.map((l, i) => `${String(i + 1)}. ${l.text}`).join('\n') || '(no rules yet)'
    const choice = await askChoice(
      conversation,
      ctx,
      `Rules:\n${list}\n\nSend a rule's number to change it, "new" to add one, or /cancel.`,
      overview.lines.length,
      ['new'],
    )
    if (choice === undefined) return

    let chatId: number
    let groupId: number | null
    let existing: RuleLine | undefined
    if (choice === 'new') {
      const chatList = overview.chats.map((c, i) => `${String(i + 1)}. ${c.title}`).join('\n') || '(none yet)'
      const chatChoice = await ask(
        conversation,
        ctx,
        `Which chat?\n${chatList}\n\nSend its number, or a title to create a new private chat.`,
      )
      if (chatChoice === undefined) return
      const n = Number(chatChoice)
      const known = Number.isInteger(n) ? overview.chats[n - 1] : undefined
      if (known) {
        chatId = known.id
      } else {
        const titleProblem = textProblem(chatChoice)
        if (titleProblem !== undefined) {
          await ctx.reply(`A chat title ${titleProblem}. Start again with /rules.`)
          return
        }
        if (chatChoice.length > 128) {
          await ctx.reply('A chat title has at most 128 characters. Start again with /rules.')
          return
        }
        chatId = await conversation.external(async () => (await deps.store.chats.create(chatChoice, '', Date.now())).id)
      }
      const groupList = overview.groups.map((g, i) => `${String(i + 1)}. ${g.name}`).join('\n')
      const groupChoice = await askChoice(
        conversation,
        ctx,
        `For which group?\n${groupList}\n\nSend its number, or "all" for every member.`,
        overview.groups.length,
        ['all'],
      )
      if (groupChoice === undefined) return
      groupId = groupChoice === 'all' ? null : (overview.groups[(groupChoice as number) - 1]?.id ?? null)
    } else {
      existing = overview.lines[(choice as number) - 1]
      if (!existing) return
      chatId = existing.chatId
      groupId = existing.groupId
    }
    const minKarma = await askNumber(conversation, ctx, 'Minimum karma to get in?', false)
    if (minKarma === undefined || minKarma === null) return
    const removeBelow = await askNumber(
      conversation,
      ctx,
      `Remove members whose karma falls below? (at most ${String(minKarma)}; - to never remove)`,
      true,
    )
    if (removeBelow === undefined) return
    let enabled = true
    if (existing) {
      const onOff = await askChoice(conversation, ctx, 'Keep the rule on? Send "on" or "off".', 0, ['on', 'off'])
      if (onOff === undefined) return
      enabled = onOff === 'on'
    }
    const saved = await conversation.external(async () => {
      try {
        const result = await saveRule(deps.store, {
          ...(existing ? { ruleId: existing.id } : {}),
          rule: { groupId, chatId, minKarma, removeBelow, enabled },
          actor: `admin:${String(adminId)}`,
          now: Date.now(),
        })
        return result
          ? { ok: true as const, invites: result.report.invitesQueued, removals: result.report.removalsQueued }
          : { ok: false as const, error: 'That rule no longer exists.' }
      } catch (err) {
        if (err instanceof RuleError) return { ok: false as const, error: err.message }
        throw err
      }
    })
    await ctx.reply(
      saved.ok
        ? `Saved. ${String(saved.invites)} member(s) will be invited, ${String(saved.removals)} removed.`
        : `Not saved: ${saved.error} Start again with /rules.`,
    )
  }
}

/**
 * `/rules` for everyone else (a member who is not an admin, or an admin in a group): the bot
 * says why nothing happens instead of treating it as an unknown message.
 */
export function rulesRefusalFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>()
  composer.command('rules', privateOnly, adminOnly(deps))
  return composer
}

/** `/rules` for admins, in private: the conversation and the command that enters it. */
export function rulesFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>()
  composer.use(createConversation(rulesConversation(deps), 'rules'))
  composer.command('rules', privateOnly, adminOnly(deps), (ctx) => ctx.conversation.enter('rules'))
  return composer
}

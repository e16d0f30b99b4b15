import type { Chat } from '../../db/chats.js'
import type { Group } from '../../db/groups.js'
import { type Rule, type RuleInput, validateRule } from '../../access/rules.js'
import { NEW_CHAT, type RuleFormValues } from '../views/admin/rule-form.js'
import { type FormBody, FormError, parseId, parseInteger, textField } from './form.js'
import { textProblem } from '../../text.js'

/** Longest chat title Telegram (and the `chats` table) accepts. @default 128 */
export const MAX_CHAT_TITLE = 128
/** Longest chat description Telegram (and the `chats` table) accepts. @default 255 */
export const MAX_CHAT_DESCRIPTION = 255

/** A rule form that passed every check: the rule, and the chat to create first if it asked for one. */
export interface ParsedRuleForm {
  /** The rule; `chatId` is undefined when {@link newChat} must be created for it. */
  readonly rule: Omit<RuleInput, 'chatId'> & { readonly chatId: number | undefined }
  readonly newChat: { readonly title: string; readonly description: string } | undefined
}

/** A blank form for a new rule: every member, a new chat, enabled. */
export const BLANK_RULE_FORM: RuleFormValues = {
  groupId: '',
  chatId: NEW_CHAT,
  minKarma: '',
  removeBelow: '',
  enabled: true,
  directAdd: false,
  chatTitle: '',
  chatDescription: '',
}

/** An existing rule's values, for its edit form. */
export function ruleFormValuesOf(rule: Rule): RuleFormValues {
  return {
    ...BLANK_RULE_FORM,
    groupId: rule.groupId === null ? '' : String(rule.groupId),
    chatId: String(rule.chatId),
    minKarma: String(rule.minKarma),
    removeBelow: rule.removeBelow === null ? '' : String(rule.removeBelow),
    enabled: rule.enabled,
    directAdd: rule.directAdd,
  }
}

/** The form's values as submitted (an unchecked checkbox is simply absent). */
export function ruleFormValues(body: FormBody): RuleFormValues {
  return {
    groupId: textField(body, 'groupId'),
    chatId: textField(body, 'chatId'),
    minKarma: textField(body, 'minKarma'),
    removeBelow: textField(body, 'removeBelow'),
    enabled: textField(body, 'enabled') !== '',
    directAdd: textField(body, 'directAdd') !== '',
    chatTitle: textField(body, 'chatTitle'),
    chatDescription: textField(body, 'chatDescription'),
  }
}

function parseNewChat(values: RuleFormValues): { title: string; description: string } {
  if (values.chatTitle === '') throw new FormError('Give the new chat a title.', 'chatTitle')
  if (values.chatTitle.length > MAX_CHAT_TITLE)
    throw new FormError(`A chat title has at most ${String(MAX_CHAT_TITLE)} characters.`, 'chatTitle')
  if (values.chatDescription.length > MAX_CHAT_DESCRIPTION) {
    throw new FormError(`A chat description has at most ${String(MAX_CHAT_DESCRIPTION)} characters.`, 'chatDescription')
  }
  const titleProblem = textProblem(values.chatTitle)
  if (titleProblem !== undefined) throw new FormError(`The chat title ${titleProblem}.`, 'chatTitle')
  const descriptionProblem =
    values.chatDescription === '' ? undefined : textProblem(values.chatDescription, { multiline: true })
  if (descriptionProblem !== undefined) {
    throw new FormError(`The chat description ${descriptionProblem}.`, 'chatDescription')
  }
  return { title: values.chatTitle, description: values.chatDescription }
}

/**
 * Checks a rule form against the groups and chats that exist, and the rule's numbers the way
 * the repository will ({@link validateRule}), all before anything is written: so a refused form
 * never leaves a new chat behind. Throws {@link FormError} or `RuleError`, each with its field.
 */
export function parseRuleForm(
  values: RuleFormValues,
  groups: readonly Group[],
  chats: readonly Chat[],
): ParsedRuleForm {
  let groupId: number | null = null
  if (values.groupId !== '') {
    const id = parseId(values.groupId)
    if (id === undefined || !groups.some((g) => g.id === id))
      throw new FormError('Choose a group from the list.', 'groupId')
    groupId = id
  }
  let chatId: number | undefined
  let newChat: ParsedRuleForm['newChat']
  if (values.chatId === NEW_CHAT) {
    newChat = parseNewChat(values)
  } else {
    chatId = parseId(values.chatId)
    if (chatId === undefined || !chats.some((c) => c.id === chatId))
      throw new FormError('Choose a chat from the list, or a new chat.', 'chatId')
  }
  const minKarma = parseInteger(values.minKarma)
  if (minKarma === undefined) throw new FormError('Minimum karma must be a whole number.', 'minKarma')
  let removeBelow: number | null = null
  if (values.removeBelow !== '') {
    const parsed = parseInteger(values.removeBelow)
    if (parsed === undefined)
      throw new FormError('"Remove below" must be a whole number, or empty to never remove.', 'removeBelow')
    removeBelow = parsed
  }
  const rule = { groupId, minKarma, removeBelow, enabled: values.enabled, directAdd: values.directAdd }
  // The chat id does not matter to the numbers' checks; a new chat has none yet.
  validateRule({ ...rule, chatId: chatId ?? 0 })
  return { rule: { ...rule, chatId }, newChat }
}

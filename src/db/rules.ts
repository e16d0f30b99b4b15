import type { Rule, RuleInput } from '../access/rules.js'

/** The rules. Writes validate first; callers reconcile the rule's chat afterwards. */
export interface RuleRepository {
  /** Stores a new rule; throws {@link RuleError} for bad numbers or an unknown group or chat. */
  create(input: RuleInput, now: number): Promise<Rule>

  /** Changes a rule; resolves to undefined when it does not exist. */
  update(id: number, input: RuleInput, now: number): Promise<Rule | undefined>

  findById(id: number): Promise<Rule | undefined>

  list(): Promise<Rule[]>

  forChat(chatId: number): Promise<Rule[]>
}

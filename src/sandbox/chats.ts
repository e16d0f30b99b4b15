import type { Chat, Message } from 'grammy/types'
import { EmulatorTimeoutError, SandboxError } from './errors.js'

/** A message in an emulated chat, as the Bot API shows it (edits applied). */
export type EmulatedMessage = Message

interface Waiter {
  readonly predicate: (message: EmulatedMessage) => boolean
  readonly resolve: (message: EmulatedMessage) => void
  readonly reject: (error: Error) => void
  readonly timer: NodeJS.Timeout
}

/** One chat's messages, both directions, with a revision per message so edits are seen. */
class ChatLog {
  readonly messages: Message[] = []
  /** Bumped on every change, so the page redraws only when something happened. */
  version = 0
  readonly revisions = new Map<number, number>()
  /** `id:revision` of bot messages already handed to a waiter. */
  readonly consumed = new Set<string>()
  readonly waiters = new Set<Waiter>()
  #nextMessageId = 1

  constructor(readonly chat: Chat) {}

  nextMessageId(): number {
    return this.#nextMessageId++
  }
}

/**
 * Every emulated chat's history: private chats between the bot and a user (id = the user's
 * id) and supergroups. Message ids count up per chat.
 */
export class ChatLogs {
  readonly #logs = new Map<number, ChatLog>()
  readonly #botId: number

  constructor(botId: number) {
    this.#botId = botId
  }

  /** Starts a chat's history if it has none yet. */
  open(chat: Chat): void {
    if (!this.#logs.has(chat.id)) this.#logs.set(chat.id, new ChatLog(chat))
  }

  /** Whether chat `chatId` exists. */
  has(chatId: number): boolean {
    return this.#logs.has(chatId)
  }

  /** The chat `chatId` as the Bot API shows it in messages, if it exists. */
  chat(chatId: number): Chat | undefined {
    return this.#logs.get(chatId)?.chat
  }

  /** Appends a message made by `build` from its new id, and returns it. */
  append(chatId: number, build: (messageId: number, chat: Chat) => Message): Message {
    const log = this.#require(chatId)
    const message = build(log.nextMessageId(), log.chat)
    log.messages.push(message)
    log.revisions.set(message.message_id, 0)
    this.#changed(log)
    return structuredClone(message)
  }

  /** The stored message (not a copy), if it exists. */
  find(chatId: number, messageId: number): Message | undefined {
    return this.#logs.get(chatId)?.messages.find((m) => m.message_id === messageId)
  }

  /** Replaces message `messageId` with `edited`; returns a copy of it. */
  replace(chatId: number, edited: Message): Message {
    const log = this.#require(chatId)
    const index = log.messages.findIndex((m) => m.message_id === edited.message_id)
    if (index === -1)
      throw new SandboxError(
        'message_not_found',
        `There is no message ${String(edited.message_id)} in chat ${String(chatId)}.`,
      )
    log.messages[index] = edited
    log.revisions.set(edited.message_id, (log.revisions.get(edited.message_id) ?? 0) + 1)
    this.#changed(log)
    return structuredClone(edited)
  }

  /** Removes message `messageId`; returns whether it existed. */
  remove(chatId: number, messageId: number): boolean {
    const log = this.#logs.get(chatId)
    const index = log?.messages.findIndex((m) => m.message_id === messageId) ?? -1
    if (!log || index === -1) return false
    log.messages.splice(index, 1)
    this.#changed(log)
    return true
  }

  /** Copies of chat `chatId`'s messages, oldest first; empty for an unknown chat. */
  history(chatId: number): EmulatedMessage[] {
    return structuredClone(this.#logs.get(chatId)?.messages ?? [])
  }

  /** A number that changes whenever chat `chatId` changes. */
  version(chatId: number): number {
    return this.#logs.get(chatId)?.version ?? 0
  }

  /**
   * Resolves with the first message from the bot in chat `chatId` that was sent after the
   * user's latest message there, satisfies `predicate`, and was not handed to an earlier wait
   * in its current form (an edit makes it new again); waits up to `timeoutMs` for one.
   */
  waitForBotMessage(
    chatId: number,
    predicate: (message: EmulatedMessage) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<EmulatedMessage> {
    const log = this.#require(chatId)
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          log.waiters.delete(waiter)
          reject(
            new EmulatorTimeoutError(
              `No message from the bot in chat ${String(chatId)} within ${String(timeoutMs)} ms.`,
              timeoutMs,
            ),
          )
        }, timeoutMs),
      }
      log.waiters.add(waiter)
      this.#serve(log)
    })
  }

  /** Rejects every pending wait. */
  close(): void {
    for (const log of this.#logs.values()) {
      for (const waiter of log.waiters) {
        clearTimeout(waiter.timer)
        waiter.reject(new SandboxError('closed', 'The emulator was closed.'))
      }
      log.waiters.clear()
    }
  }

  #require(chatId: number): ChatLog {
    const log = this.#logs.get(chatId)
    if (!log) throw new SandboxError('chat_not_found', `There is no chat ${String(chatId)}.`)
    return log
  }

  #changed(log: ChatLog): void {
    log.version++
    this.#serve(log)
  }

  #serve(log: ChatLog): void {
    if (log.waiters.size === 0) return
    let lastUserMessage = 0
    for (const m of log.messages) if (m.from?.id !== this.#botId) lastUserMessage = m.message_id
    for (const waiter of [...log.waiters]) {
      const match = log.messages.find((m) => {
        if (m.from?.id !== this.#botId || m.message_id <= lastUserMessage) return false
        if (log.consumed.has(`${String(m.message_id)}:${String(log.revisions.get(m.message_id) ?? 0)}`)) return false
        return waiter.predicate(structuredClone(m))
      })
      if (!match) continue
      log.consumed.add(`${String(match.message_id)}:${String(log.revisions.get(match.message_id) ?? 0)}`)
      log.waiters.delete(waiter)
      clearTimeout(waiter.timer)
      waiter.resolve(structuredClone(match))
    }
  }
}

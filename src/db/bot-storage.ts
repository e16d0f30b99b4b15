/** Key–value storage for the bot's plugins (conversation state), so it survives a restart. */
export interface BotStorageRepository {
  /** The JSON value stored under `key`, parsed, or undefined. */
  read(key: string): Promise<unknown>

  write(key: string, value: unknown, now: number): Promise<void>

  delete(key: string): Promise<void>
}

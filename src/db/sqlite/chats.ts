import type { BotChatStatus, Chat, ChatRepository, ChatState } from '../chats.js'
import type { GroupCommit } from './group-commit.js'
import type { SqliteDatabase } from './open.js'
import { fromUnixSeconds, toUnixSeconds } from '../../time.js'

interface ChatRow {
  id: number
  title: string
  description: string
  state: ChatState
  telegram_chat_id: number | null
  invite_link: string | null
  bot_status: string | null
  bot_can_invite: number
  bot_can_restrict: number
  last_error: string | null
  created_at: number
}

const toChat = (r: ChatRow): Chat => ({
  id: r.id,
  title: r.title,
  description: r.description,
  state: r.state,
  telegramChatId: r.telegram_chat_id,
  inviteLink: r.invite_link,
  botStatus: r.bot_status,
  botCanInvite: r.bot_can_invite === 1,
  botCanRestrict: r.bot_can_restrict === 1,
  lastError: r.last_error,
  createdAt: fromUnixSeconds(r.created_at),
})

/** The private supergroups. */
export class SqliteChatRepository implements ChatRepository {
  private readonly s

  constructor(
    db: SqliteDatabase,
    /** Every write goes through it: batched, and never blocking the loop on another connection's lock. */
    private readonly writes: GroupCommit,
  ) {
    this.s = {
      insert: db.prepare<[{ title: string; description: string; now: number }], { id: number }>(
        `INSERT INTO chats (title, description, created_at, updated_at) VALUES (@title, @description, @now, @now) RETURNING id`,
      ),
      byId: db.prepare<[number], ChatRow>('SELECT * FROM chats WHERE id = ?'),
      byTelegramId: db.prepare<[number], ChatRow>('SELECT * FROM chats WHERE telegram_chat_id = ?'),
      all: db.prepare<[], ChatRow>('SELECT * FROM chats ORDER BY id'),
      activate: db.prepare<[number, number, number]>(
        `UPDATE chats SET state = 'active', telegram_chat_id = ?, last_error = NULL, updated_at = ? WHERE id = ?`,
      ),
      fail: db.prepare<[string, number, number]>(
        `UPDATE chats SET state = 'failed', last_error = ?, updated_at = ? WHERE id = ?`,
      ),
      inviteLink: db.prepare<[string, number, number]>('UPDATE chats SET invite_link = ?, updated_at = ? WHERE id = ?'),
      botStatus: db.prepare<[string, number, number, number, number]>(
        'UPDATE chats SET bot_status = ?, bot_can_invite = ?, bot_can_restrict = ?, updated_at = ? WHERE id = ?',
      ),
    }
  }

  /** Records a chat a rule needs; the worker creates it in Telegram. */
  async create(title: string, description: string, now: number): Promise<Chat> {
    return this.writes.run(() => {
      const row = this.s.insert.get({ title, description, now: toUnixSeconds(now) })
      if (!row) throw new Error('insert returned no row')
      const chat = this.s.byId.get(row.id)
      if (!chat) throw new Error('chat vanished')
      return toChat(chat)
    })
  }

  async findById(id: number): Promise<Chat | undefined> {
    const row = this.s.byId.get(id)
    return row && toChat(row)
  }

  async findByTelegramId(telegramChatId: number): Promise<Chat | undefined> {
    const row = this.s.byTelegramId.get(telegramChatId)
    return row && toChat(row)
  }

  async list(): Promise<Chat[]> {
    return this.s.all.all().map(toChat)
  }

  /** The worker created the chat in Telegram: it is active under this Bot API id. */
  async markActive(id: number, telegramChatId: number, now: number): Promise<void> {
    return this.writes.run(() => {
      this.s.activate.run(telegramChatId, toUnixSeconds(now), id)
    })
  }

  /** Creating the chat failed for good; the reason is shown to admins. */
  async markFailed(id: number, error: string, now: number): Promise<void> {
    return this.writes.run(() => {
      this.s.fail.run(error, toUnixSeconds(now), id)
    })
  }

  async setInviteLink(id: number, link: string, now: number): Promise<void> {
    return this.writes.run(() => {
      this.s.inviteLink.run(link, toUnixSeconds(now), id)
    })
  }

  async setBotStatus(id: number, status: BotChatStatus, now: number): Promise<void> {
    return this.writes.run(() => {
      this.s.botStatus.run(status.status, status.canInvite ? 1 : 0, status.canRestrict ? 1 : 0, toUnixSeconds(now), id)
    })
  }
}

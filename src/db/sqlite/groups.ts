import type { Group, GroupRepository } from '../groups.js'
import type { GroupCommit } from './group-commit.js'
import type { SqliteDatabase } from './open.js'
import { toUnixSeconds } from '../../time.js'

/** Groups and who belongs to them. */
export class SqliteGroupRepository implements GroupRepository {
  private readonly s
  private readonly replaceMemberGroups

  constructor(
    db: SqliteDatabase,
    /** Every write goes through it: batched, and never blocking the loop on another connection's lock. */
    private readonly writes: GroupCommit,
  ) {
    this.s = {
      all: db.prepare<[], Group>('SELECT id, slug, name FROM groups ORDER BY name'),
      bySlug: db.prepare<[string], Group>('SELECT id, slug, name FROM groups WHERE slug = ?'),
      insert: db.prepare<[{ slug: string; name: string; now: number }], Group>(
        'INSERT INTO groups (slug, name, created_at) VALUES (@slug, @name, @now) RETURNING id, slug, name',
      ),
      ofMember: db.prepare<[number], Group>(
        'SELECT g.id, g.slug, g.name FROM groups g JOIN user_groups ug ON ug.group_id = g.id WHERE ug.user_id = ? ORDER BY g.slug',
      ),
      clear: db.prepare<[number]>('DELETE FROM user_groups WHERE user_id = ?'),
      add: db.prepare<[number, number]>('INSERT OR IGNORE INTO user_groups (user_id, group_id) VALUES (?, ?)'),
    }
    this.replaceMemberGroups = db.transaction((memberId: number, groupIds: readonly number[]) => {
      this.s.clear.run(memberId)
      for (const id of groupIds) this.s.add.run(memberId, id)
    })
  }

  async list(): Promise<Group[]> {
    return this.s.all.all()
  }

  async findBySlug(slug: string): Promise<Group | undefined> {
    return this.s.bySlug.get(slug)
  }

  async create(slug: string, name: string, now: number): Promise<Group> {
    return this.writes.run(() => {
      const group = this.s.insert.get({ slug, name, now: toUnixSeconds(now) })
      if (!group) throw new Error('insert returned no row')
      return group
    })
  }

  async ofMember(memberId: number): Promise<Group[]> {
    return this.s.ofMember.all(memberId)
  }

  async setMemberGroups(memberId: number, groupIds: readonly number[]): Promise<void> {
    return this.writes.run(() => {
      this.replaceMemberGroups.immediate(memberId, groupIds)
    })
  }
}

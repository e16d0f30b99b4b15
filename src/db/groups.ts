/** A group of the site's taxonomy (webmasters, clients, …). */
export interface Group {
  readonly id: number
  readonly slug: string
  readonly name: string
}

/** Groups and who belongs to them. */
export interface GroupRepository {
  list(): Promise<Group[]>

  findBySlug(slug: string): Promise<Group | undefined>

  create(slug: string, name: string, now: number): Promise<Group>

  ofMember(memberId: number): Promise<Group[]>

  /** Sets a member's groups to exactly `groupIds`, in one transaction. */
  setMemberGroups(memberId: number, groupIds: readonly number[]): Promise<void>
}

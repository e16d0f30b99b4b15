import { Router } from 'express'
import { setMemberGroups, UnknownGroupError } from '../../../access/set-member-groups.js'
import type { Member } from '../../../db/members.js'
import type { Store } from '../../../db/store.js'
import { apiKeyOf } from '../auth.js'
import { ApiError } from '../errors.js'
import { externalIdSchema } from '../../../karma/schema.js'
import { groupsBodySchema, telegramIdParamSchema } from '../schemas/requests.js'
import { memberJson } from '../serialize.js'
import { parseOr400 } from '../validate.js'

/** What {@link memberRoutes} needs. */
export interface MemberRoutesDeps {
  readonly store: Store
  /** Current time in milliseconds. */
  readonly clock: () => number
}

/** How a path names a member. */
type MemberAddress = { readonly telegramId: number } | { readonly externalId: string }

function describe(address: MemberAddress): string {
  return 'telegramId' in address ? `Telegram id ${String(address.telegramId)}` : `external id "${address.externalId}"`
}

/**
 * `GET /members/{telegramId}`, `GET /members/external/{externalId}` and `PUT …/groups` on both.
 * Setting the groups of an external id nobody has yet creates that member without Telegram, as
 * a karma event does, so the site can sort its users before they link.
 */
export function memberRoutes(deps: MemberRoutesDeps): Router {
  const { store, clock } = deps
  const router = Router()

  const find = async (address: MemberAddress): Promise<Member | undefined> =>
    'telegramId' in address
      ? store.members.findByTelegramId(address.telegramId)
      : store.members.findByExternalId(address.externalId)

  const get = async (address: MemberAddress): Promise<Member> => {
    const member = await find(address)
    if (!member) throw new ApiError(404, 'member_not_found', `No member has ${describe(address)}.`)
    return member
  }

  /** The member to give groups to; checks every slug first, so a refusal creates no one. */
  const forGroups = async (address: MemberAddress, slugs: readonly string[]): Promise<Member> => {
    const member = await find(address)
    if (member) return member
    if ('telegramId' in address) return get(address)
    const known = new Set((await store.groups.list()).map((g) => g.slug))
    const unknown = slugs.find((slug) => !known.has(slug))
    if (unknown !== undefined) throw new UnknownGroupError(unknown)
    return store.members.ensureExternal(address.externalId, clock())
  }

  const setGroups = async (address: MemberAddress, body: unknown, actor: string): Promise<void> => {
    const { groups } = parseOr400(groupsBodySchema, body)
    try {
      const member = await forGroups(address, groups)
      await setMemberGroups(store, { memberId: member.id, slugs: groups, actor, now: clock() })
    } catch (err) {
      if (!(err instanceof UnknownGroupError)) throw err
      const field = `groups[${String(groups.indexOf(err.slug))}]`
      throw new ApiError(400, 'unknown_group', `${field}: ${err.message}`, { field })
    }
  }

  /** The member a path names: `…/external/{externalId}` or `…/{telegramId}`. */
  const addressOf = (params: Readonly<Record<string, string | string[]>>): MemberAddress =>
    params.externalId !== undefined
      ? { externalId: parseOr400(externalIdSchema, params.externalId, 'externalId') }
      : { telegramId: parseOr400(telegramIdParamSchema, params.telegramId, 'telegramId') }
  // The external form first: `/members/external` alone is a bad Telegram id, not a route.
  const paths = ['/members/external/:externalId', '/members/:telegramId']

  router.get(paths, async (req, res) => {
    res.json(await memberJson(store, await get(addressOf(req.params))))
  })

  router.put(
    paths.map((path) => `${path}/groups`),
    async (req, res) => {
      const address = addressOf(req.params)
      await setGroups(address, req.body, `api:${apiKeyOf(res.locals).name}`)
      res.json(await memberJson(store, await get(address)))
    },
  )

  return router
}

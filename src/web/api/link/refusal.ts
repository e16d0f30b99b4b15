import type { LinkRefusal } from '../../../db/logins.js'
import { HttpError } from '../../errors.js'

const MESSAGES: Readonly<Record<LinkRefusal, string>> = {
  external_id_taken:
    "This account on the site is already linked to another Telegram account, so it was not linked to yours. Nothing was changed. If that is wrong, ask the site's admins.",
  member_already_linked:
    'Your Telegram account is already linked to another account on the site, so it was not linked to this one. Nothing was changed.',
}

/** The readable 409 page for a link that would take an id from someone else. */
export function linkRefused(refusal: LinkRefusal): HttpError {
  return new HttpError(409, refusal, MESSAGES[refusal], 'Accounts not linked')
}

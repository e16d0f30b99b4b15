/**
 * A member's karma events, through the chain of migration 009: `users.last_event_id` names the
 * member's latest event and each event's `prev_id` the one before (ids only go down). There is
 * no index on `karma_events.user_id`: a batch of events for a thousand members would write a
 * thousand scattered pages of it per commit.
 *
 * `MEMBER_EVENT_CHAIN` is a recursive common table expression `chain(id, n)`: the ids of member
 * `@member`'s events, newest first (`n` = 1, 2, …), at most `@limit` of them. Use it as
 * `WITH RECURSIVE ${MEMBER_EVENT_CHAIN} SELECT … FROM chain JOIN karma_events e ON e.id = chain.id`.
 */
export const MEMBER_EVENT_CHAIN = `chain(id, n) AS (
  SELECT last_event_id, 1 FROM users WHERE id = @member AND last_event_id IS NOT NULL AND @limit > 0
  UNION ALL
  SELECT e.prev_id, chain.n + 1 FROM chain JOIN karma_events e ON e.id = chain.id
  WHERE e.prev_id IS NOT NULL AND chain.n < @limit
)`

/** A `@limit` for {@link MEMBER_EVENT_CHAIN} that means the whole chain. */
export const WHOLE_CHAIN = Number.MAX_SAFE_INTEGER

-- Who may be in a chat, in SQL: the predicate of src/access/eligibility.ts (covers, admits, keeps),
-- for the set-based reconcile and the per-member queries. A property test holds the two to
-- agreement; change them together.
--
-- rule_coverage: one row per enabled rule and member it covers (a member with a Telegram id in the
-- rule's group, or any such member for a rule without a group). Two arms, so that a group rule
-- walks its group's members by index and a rule for everyone walks the members once.
CREATE VIEW rule_coverage AS
  SELECT r.id AS rule_id, r.chat_id, u.id AS user_id, u.karma, r.min_karma, r.remove_below, r.direct_add
  FROM rules r
  JOIN users u ON u.telegram_id IS NOT NULL
  WHERE r.enabled = 1 AND r.group_id IS NULL
  UNION ALL
  SELECT r.id, r.chat_id, u.id, u.karma, r.min_karma, r.remove_below, r.direct_add
  FROM rules r
  JOIN user_groups ug ON ug.group_id = r.group_id
  JOIN users u ON u.id = ug.user_id AND u.telegram_id IS NOT NULL
  WHERE r.enabled = 1;

-- rule_eligibility: each covered member with what the rule says of them: admitted (eligible) and
-- kept (keep).
CREATE VIEW rule_eligibility AS
  SELECT rule_id, chat_id, user_id, karma, min_karma, remove_below, direct_add,
         karma >= min_karma AS eligible,
         (remove_below IS NULL OR karma >= remove_below) AS keep
  FROM rule_coverage;

-- Per rule: may the worker's account add an eligible member the bot cannot DM straight into the
-- chat (channels.inviteToChannel)? Off by default: each add spends the account's limits, and
-- Telegram refuses many (privacy settings), which then fall back to the link on the site.
ALTER TABLE rules ADD COLUMN direct_add INTEGER NOT NULL DEFAULT 0 CHECK (direct_add IN (0, 1));

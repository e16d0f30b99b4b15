-- The one-time token of the admin site's "new API key" form that created the key, so the same
-- form sent twice (a double click, a reload that posts again) gives back the key it already
-- created instead of a second one. NULL for keys made by the CLI.
ALTER TABLE api_keys ADD COLUMN form_nonce TEXT CHECK (form_nonce IS NULL OR length(form_nonce) BETWEEN 16 AND 64);

CREATE UNIQUE INDEX api_keys_form_nonce ON api_keys (form_nonce) WHERE form_nonce IS NOT NULL;

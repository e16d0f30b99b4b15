-- The QR code `worker:login` is showing right now, so the admin page can show it too.
-- Only the `tg://login?token=…` link and its expiry (Unix seconds): the token is good for one
-- scan within about 30 s and grants nothing after that. The session's auth key never comes here;
-- it stays in WORKER_SESSION_PATH. Both are cleared when the login ends, however it ends.
ALTER TABLE worker_state ADD COLUMN login_qr_url TEXT;
ALTER TABLE worker_state ADD COLUMN login_qr_expires_at INTEGER;

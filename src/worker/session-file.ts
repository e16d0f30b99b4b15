import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs'
import { dirname } from 'node:path'

/** The files SQLite keeps for a session: the file itself and, in WAL mode, its journal files. */
function sessionFiles(path: string): string[] {
  return [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]
}

/**
 * Makes sure the session file exists and only its owner can read it (mode 0600): it holds the
 * account's auth key, which is as good as being logged in. Creates the file (and its folder)
 * before mtcute opens it, because SQLite gives its WAL files the mode of the database file; then
 * fixes the mode of any file a looser umask or a copy left readable. Run at every start.
 * Returns the files whose mode was changed.
 */
export function secureSessionFile(path: string): string[] {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600))
  const fixed: string[] = []
  for (const file of sessionFiles(path)) {
    if (!existsSync(file)) continue
    if ((statSync(file).mode & 0o777) !== 0o600) {
      chmodSync(file, 0o600)
      fixed.push(file)
    }
  }
  return fixed
}

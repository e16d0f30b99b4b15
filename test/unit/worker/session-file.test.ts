import { chmodSync, existsSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { secureSessionFile } from '../../../src/worker/session-file.js'
import { tempDir } from '../../support/site.js'

describe('session file', () => {
  it('is created with mode 0600 (and its folder), and a loose mode is fixed at every start', () => {
    const tmp = tempDir()
    try {
      const path = join(tmp.dir, 'nested', 'worker.session')
      expect(secureSessionFile(path)).toEqual([])
      expect(existsSync(path)).toBe(true)
      expect(statSync(path).mode & 0o777).toBe(0o600)
      chmodSync(path, 0o644)
      writeFileSync(`${path}-wal`, '', { mode: 0o666 })
      chmodSync(`${path}-wal`, 0o666)
      expect(secureSessionFile(path)).toEqual([path, `${path}-wal`])
      expect(statSync(path).mode & 0o777).toBe(0o600)
      expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600)
    } finally {
      tmp.remove()
    }
  })
})

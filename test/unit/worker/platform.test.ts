import { join } from 'node:path'
import { TelegramClient } from '@mtcute/node'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { createWorkerClient } from '../../../src/worker/client.js'
import { tempDir } from '../../support/site.js'

const signalListeners = () => [process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')]

describe("the worker's mtcute client", () => {
  // The whole story is in test/integration/worker-process.test.ts; this pins the cause.
  it('leaves SIGTERM and SIGINT to the process, where a plain mtcute client would take them over', async () => {
    const tmp = tempDir()
    try {
      const before = signalListeners()
      const tg = createWorkerClient({
        apiId: 1,
        apiHash: '0123456789abcdef0123456789abcdef',
        sessionPath: join(tmp.dir, 'worker.session'),
        logger: pino({ level: 'silent' }),
      })
      // Loads the session storage, which is when mtcute installs its hook; opens no connection.
      await tg.prepare()
      expect(signalListeners()).toEqual(before)
      await tg.destroy()
      // The control: mtcute's own platform does hook both signals.
      const plain = new TelegramClient({ apiId: 1, apiHash: 'x', storage: join(tmp.dir, 'plain.session'), logLevel: 0 })
      await plain.prepare()
      expect(signalListeners()).toEqual(before.map((n) => n + 1))
      await plain.destroy()
    } finally {
      tmp.remove()
    }
  })
})

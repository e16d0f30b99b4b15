import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'

/**
 * Asks a question on the terminal without echoing the answer (for the 2FA password). Refuses
 * when stdin is not a terminal, so a script never hangs on a prompt nobody sees.
 */
export function askHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) return Promise.reject(new Error('no terminal to ask the 2FA password on: set TG_2FA_PASSWORD'))
  let muted = false
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk)
      done()
    },
  })
  const rl = createInterface({ input: process.stdin, output, terminal: true })
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close()
      process.stderr.write('\n')
      resolve(answer)
    })
    muted = true
  })
}

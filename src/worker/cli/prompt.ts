import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'

/** A prompt was needed but stdin is not a terminal (a script, a PaaS one-off without a TTY). */
export class NoTerminalError extends Error {
  override readonly name = 'NoTerminalError'
}

/**
 * Asks a question on the terminal without echoing the answer (for the 2FA password). Refuses
 * when stdin is not a terminal, so a script never hangs on a prompt nobody sees.
 */
export function askHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) return Promise.reject(new NoTerminalError('no terminal to ask the 2FA password on: set TG_2FA_PASSWORD'))
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

/**
 * Asks a question on the terminal and echoes the answer (the phone number, the login code).
 * Refuses when stdin is not a terminal, like {@link askHidden}: the code arrives only after the
 * command has started, so it cannot come from a script.
 */
export function askLine(question: string): Promise<string> {
  if (!process.stdin.isTTY) return Promise.reject(new NoTerminalError('no terminal to ask on: run worker:login --phone in a terminal (the code arrives only once it runs)'))
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true })
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close()
      resolve(answer)
    })
  })
}

import { createInterface, type Interface } from 'node:readline'
import { Writable } from 'node:stream'

/** A prompt was needed but stdin is not a terminal (a script, a PaaS one-off without a TTY). */
export class NoTerminalError extends Error {
  override readonly name = 'NoTerminalError'
}

/**
 * Asks `question` on `rl` and resolves to the answer. Ctrl-C is a Ctrl-C (a terminal in raw mode
 * would only pause the input, and the process would end with 0, the login half done); Ctrl-D, the
 * input ending before an answer, is a {@link NoTerminalError}.
 */
function ask(rl: Interface, question: string, afterAnswer: () => void = () => undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    let answered = false
    rl.on('SIGINT', () => {
      rl.close()
      process.stderr.write('\n')
      process.kill(process.pid, 'SIGINT')
    })
    rl.on('close', () => {
      if (!answered) reject(new NoTerminalError('the input ended before an answer'))
    })
    rl.question(question, (answer) => {
      answered = true
      rl.close()
      afterAnswer()
      resolve(answer)
    })
  })
}

/**
 * Asks a question on the terminal without echoing the answer (for the 2FA password). Refuses
 * when stdin is not a terminal, so a script never hangs on a prompt nobody sees.
 */
export function askHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY)
    return Promise.reject(new NoTerminalError('no terminal to ask the 2FA password on: set TG_2FA_PASSWORD'))
  let muted = false
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk)
      done()
    },
  })
  const rl = createInterface({ input: process.stdin, output, terminal: true })
  const answer = ask(rl, question, () => process.stderr.write('\n'))
  muted = true
  return answer
}

/**
 * Asks a question on the terminal and echoes the answer (the phone number, the login code).
 * Refuses when stdin is not a terminal, like {@link askHidden}: the code arrives only after the
 * command has started, so it cannot come from a script.
 */
export function askLine(question: string): Promise<string> {
  if (!process.stdin.isTTY)
    return Promise.reject(
      new NoTerminalError(
        'no terminal to ask on: run worker:login --phone in a terminal (the code arrives only once it runs)',
      ),
    )
  return ask(createInterface({ input: process.stdin, output: process.stderr, terminal: true }), question)
}

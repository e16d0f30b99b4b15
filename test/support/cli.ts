import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** tsx's loader, resolved from the project: the child runs in a temp folder without node_modules. */
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

/** A `karmagate` process started from the TypeScript sources, as `node dist/cli.js` would run. */
export interface CliProcess {
  readonly child: ChildProcess
  stdout: string
  stderr: string
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>
  /** Resolves with the first stdout line matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>
}

/**
 * Starts `cli.ts` with exactly `env` (plus PATH), so no developer's .env or shell leaks in:
 * the working directory is a temp folder without a .env file.
 */
export function runCli(args: readonly string[], env: Record<string, string>, cwd: string): CliProcess {
  return runScript(`${ROOT}src/cli.ts`, args, env, cwd)
}

/** The test-only worker process over a stubbed mtcute client (see the file's comment). */
export const WORKER_PROCESS_SCRIPT = `${ROOT}test/support/worker-process.ts`

/** Like {@link runCli}, for another TypeScript entry point (e.g. `test/support/worker-process.ts`). */
export function runScript(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
): CliProcess {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, script, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const proc: CliProcess = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        resolve(code ?? signal ?? -1)
      })
    }),
    waitFor: (pattern, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`timed out waiting for ${String(pattern)}; stdout: ${proc.stdout}; stderr: ${proc.stderr}`))
        }, timeoutMs)
        const check = () => {
          const line = proc.stdout.split('\n').find((l) => pattern.test(l))
          if (line !== undefined) {
            clearTimeout(timer)
            child.stdout.off('data', check)
            resolve(line)
          }
        }
        child.stdout.on('data', check)
        check()
      }),
  }
  child.stdout.on('data', (chunk: Buffer) => {
    proc.stdout += chunk.toString('utf8')
  })
  child.stderr.on('data', (chunk: Buffer) => {
    proc.stderr += chunk.toString('utf8')
  })
  return proc
}

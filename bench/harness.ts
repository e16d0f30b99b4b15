/**
 * What the HTTP benchmarks (`login.ts`, `webhook.ts`) share on the load generator's side:
 * settings from the environment, starting a server script in a child process, and formatting.
 * The child's side of the protocol is in `child.ts`, the messages in `common.ts`.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, platform, release, totalmem } from 'node:os'
import { join } from 'node:path'
import { isListeningMessage, type StopMessage } from './common.js'

// ---------------------------------------------------------------------------------------------
// Settings

/** Reads a whole number from the environment, refusing values outside [min, max] loudly. */
export function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]?.trim()
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}`)
  }
  return value
}

// ---------------------------------------------------------------------------------------------
// Server processes

export interface RunningServer {
  readonly port: number
  /**
   * Sends `message` to the child and resolves with its first message that `isAnswer` accepts
   * (rejects if the child exits first or does not answer within 10 s).
   */
  readonly ask: <T>(message: object, isAnswer: (reply: unknown) => reply is T) => Promise<T>
  /** Asks the child to close and waits for it to exit. */
  readonly stop: () => Promise<void>
}

export interface StartServerOptions {
  /** Absolute path of the server script (`servers.ts`, `webhook-servers.ts`). */
  readonly script: string
  /** Its first argument: which server to build. */
  readonly target: string
  /** When not empty, the child writes a V8 CPU profile to `<cpuProfDir>/<target>/`. */
  readonly cpuProfDir: string
}

/**
 * Starts `script <target>` in a child process through the same TypeScript loader as the
 * parent, so every target runs under identical Node flags and none shares the load
 * generator's event loop. Resolves once the child reports the port it listens on.
 */
export async function startServer({ script, target, cpuProfDir }: StartServerOptions): Promise<RunningServer> {
  const execArgv = ['--import', import.meta.resolve('tsx')]
  // One folder per target: Node names profiles by pid and thread, and tsx adds a loader thread.
  if (cpuProfDir !== '') execArgv.push('--cpu-prof', `--cpu-prof-dir=${join(cpuProfDir, target)}`)
  const child: ChildProcess = fork(script, [target], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  // Not `once(child, 'exit')`: that would reject on 'error', unhandled when startup already failed.
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve()
    }),
  )

  const port = await new Promise<number>((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      if (isListeningMessage(message)) {
        child.off('exit', onExit)
        child.off('message', onMessage)
        resolve(message.port)
      }
    }
    const onExit = (code: number | null): void => {
      reject(new Error(`the ${target} server exited before listening (code ${String(code)})`))
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
    child.once('error', reject)
  })

  const ask = <T>(message: object, isAnswer: (reply: unknown) => reply is T): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer)
        child.off('message', onMessage)
        child.off('exit', onExit)
      }
      const onMessage = (reply: unknown): void => {
        if (!isAnswer(reply)) return
        cleanup()
        resolve(reply)
      }
      const onExit = (): void => {
        cleanup()
        reject(new Error(`the ${target} server exited before answering`))
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`the ${target} server did not answer within 10 s`))
      }, 10_000)
      child.on('message', onMessage)
      child.once('exit', onExit)
      child.send(message)
    })

  return {
    port,
    ask,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const stop: StopMessage = { type: 'stop' }
      // A child whose channel is gone is already stopping itself (see 'disconnect' in child.ts).
      if (child.connected) child.send(stop)
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Report

export function fmtInt(value: number): string {
  return Math.round(value).toLocaleString('en-US')
}

export function fmtMs(value: number): string {
  return value.toFixed(2)
}

export function fmtRatio(value: number): string {
  return `${value.toFixed(2)}x`
}

/** One line describing the machine, for the report. */
export function machine(): string {
  const cores = cpus()
  const model = cores[0]?.model.trim() ?? 'unknown CPU'
  return `${cores.length} cores (${model}), ${Math.round(totalmem() / 2 ** 30)} GiB, ${platform()} ${release()}, Node ${process.version}`
}

// ---------------------------------------------------------------------------------------------
// The machine

/** Cumulative CPU time of the whole machine (all processes, all cores), from `/proc/stat`. */
export interface MachineCpu {
  /** user + nice + system, microseconds. */
  readonly busyUs: number
  /** Time the hypervisor gave the machine's cores to someone else, microseconds. */
  readonly stealUs: number
}

/** Linux's USER_HZ, which `/proc/stat` counts in; 100 on every common build. */
const TICKS_PER_SECOND = 100

/** The machine's CPU time so far, or undefined where `/proc/stat` does not exist (not Linux). */
export function machineCpu(): MachineCpu | undefined {
  let line: string | undefined
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]
  } catch {
    return undefined
  }
  const fields = (line ?? '').trim().split(/\s+/)
  if (fields[0] !== 'cpu' || fields.length < 9) return undefined
  const tick = (i: number): number => (Number(fields[i]) * 1_000_000) / TICKS_PER_SECOND
  return { busyUs: tick(1) + tick(2) + tick(3), stealUs: tick(8) }
}

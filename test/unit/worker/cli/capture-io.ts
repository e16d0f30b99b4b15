import type { CommandIo } from '../../../../src/worker/cli/io.js'

/** A command's io that keeps what it printed, stdout and stderr apart. */
export function captureIo(): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) }
}

/** One run of the login canary, as recorded. */
export interface CanaryResult {
  /** True when the whole chain worked: bot, button, URL-auth, site session. */
  readonly ok: boolean
  readonly checkedAt: number
  /** Why it failed, readable by an admin; null when it passed. */
  readonly error: string | null
  /** How long the run took, in milliseconds. */
  readonly durationMs: number
}

/** The login canary's single result row (`canary_state`): the last run overwrites it. */
export interface CanaryRepository {
  /** The last result, or undefined before the first run. */
  last(): Promise<CanaryResult | undefined>

  record(result: CanaryResult): Promise<void>
}

/** Where a worker command writes: stdout for results, stderr for notes and errors. */
export interface CommandIo {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
}

/** The process's own stdout and stderr. */
export const processIo: CommandIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}

/** Exit codes of the worker commands (beyond 0 success, 1 failure, 2 usage or configuration). */
export const WorkerExit = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** `AUTH_TOKEN_INVALID` */
  tokenInvalid: 3,
  /** `AUTH_TOKEN_EXPIRED` */
  tokenExpired: 4,
  /** `AUTH_TOKEN_ALREADY_ACCEPTED` */
  tokenAlreadyAccepted: 5,
  /** A wrong or missing 2FA password */
  password: 6,
  /** The session is not logged in */
  notLoggedIn: 7,
  /** `--phone`: the number is not valid (`PHONE_NUMBER_INVALID`, or 3 answers that were not a number) */
  phoneInvalid: 8,
  /** `--phone`: the code was wrong each time (`PHONE_CODE_INVALID`) */
  codeInvalid: 9,
  /** `--phone`: the code expired (`PHONE_CODE_EXPIRED`) */
  codeExpired: 10,
  /** `--phone`: the number is banned (`PHONE_NUMBER_BANNED`) */
  phoneBanned: 11,
  /** `--phone`: too many attempts (`FLOOD_WAIT_X`, `PHONE_NUMBER_FLOOD`, `PHONE_PASSWORD_FLOOD`) */
  floodWait: 12,
  /** `--phone`: the number has no account, and karmagate does not sign up (`auth.authorizationSignUpRequired`) */
  signUpRequired: 13,
} as const

import {
  BaseTelegramClient,
  type ICorePlatform,
  Long,
  MemoryStorage,
  type MaybePromise,
  type MustEqual,
  type RpcCallOptions,
  TelegramClient,
  tl,
} from '@mtcute/node'

/** Answers one RPC method: returns its result or throws (a `tl.RpcError`, say). */
export type Responder<T extends tl.RpcMethod['_']> = (
  req: tl.FindByName<tl.RpcMethod, T>,
) => MaybePromise<tl.RpcCallReturn[T]>

/**
 * An offline mtcute client: `BaseTelegramClient` over `MemoryStorage` with no update loop, whose
 * `call()` is answered from a map of responders and never touches the network. Records every
 * call and every DC change, so tests assert the exact sequence a flow made.
 */
export class StubBaseClient extends BaseTelegramClient {
  readonly calls: tl.RpcMethod[] = []
  readonly dcChanges: number[] = []
  // Narrow cast inside the stub only: each responder is typed where it is registered.
  private readonly responders = new Map<string, (req: tl.RpcMethod) => unknown>()
  private readonly gates = new Map<string, (req: tl.RpcMethod) => Promise<void>>()

  /** @param platform mtcute's platform, e.g. the worker's (`WorkerPlatform`). @default mtcute's `NodePlatform` */
  constructor(platform?: ICorePlatform) {
    super({
      apiId: 1,
      apiHash: 'stub',
      storage: new MemoryStorage(),
      updates: false,
      logLevel: 0,
      ...(platform ? { platform } : {}),
    })
  }

  /** Registers (or replaces) the answer to `method`. */
  respondWith<T extends tl.RpcMethod['_']>(method: T, fn: Responder<T>): this {
    this.responders.set(method, fn as (req: tl.RpcMethod) => unknown)
    return this
  }

  /**
   * Runs `gate` before answering `method` (after the call is recorded), e.g. to hold a call in
   * flight until the test has done something. Replaces an earlier gate of that method.
   */
  holdBefore<T extends tl.RpcMethod['_']>(
    method: T,
    gate: (req: tl.FindByName<tl.RpcMethod, T>) => Promise<void>,
  ): this {
    this.gates.set(method, gate as (req: tl.RpcMethod) => Promise<void>)
    return this
  }

  /** The names of the methods called so far, in order. */
  methods(): string[] {
    return this.calls.map((c) => c._)
  }

  override async call<T extends tl.RpcMethod>(
    message: MustEqual<T, tl.RpcMethod>,
    _params?: RpcCallOptions,
  ): Promise<tl.RpcCallReturn[T['_']]> {
    await this.prepare()
    const req: tl.RpcMethod = message
    this.calls.push(req)
    const fn = this.responders.get(req._)
    if (!fn) throw new Error(`StubBaseClient: unexpected RPC ${req._}`)
    await this.gates.get(req._)?.(req)
    const res = await fn(req)
    // What the real call() does too: remember peers and access hashes from every answer.
    if (typeof res === 'object' && res !== null)
      await this.storage.peers.updatePeersFrom(res as Parameters<typeof this.storage.peers.updatePeersFrom>[0])
    return res
  }

  override changePrimaryDc(dcId: number): Promise<void> {
    this.dcChanges.push(dcId)
    return Promise.resolve()
  }

  // SRP needs a real server's parameters; the stub checks only that a password was sent.
  override computeSrpParams(_request: tl.account.RawPassword, password: string): Promise<tl.RawInputCheckPasswordSRP> {
    return Promise.resolve({
      _: 'inputCheckPasswordSRP',
      srpId: Long.ZERO,
      A: new TextEncoder().encode(password),
      M1: new Uint8Array(0),
    })
  }
}

/** A stub and the high-level client over it, as the worker code takes it. */
export function stubClient(platform?: ICorePlatform): { stub: StubBaseClient; tg: TelegramClient } {
  const stub = new StubBaseClient(platform)
  return { stub, tg: new TelegramClient({ client: stub, disableUpdates: true }) }
}

/** An RPC error as Telegram sends it, e.g. `rpcError(420, 'FLOOD_WAIT_120')`. */
export function rpcError(code: number, text: string): tl.RpcError {
  return tl.RpcError.fromTl({ _: 'rpc_error', errorCode: code, errorMessage: text })
}

/** The logged-in account. */
export const SELF: tl.RawUser = {
  _: 'user',
  id: 100,
  accessHash: Long.fromNumber(1),
  self: true,
  firstName: 'Worker',
  username: 'kg_worker',
}
/** The bot. */
export const BOT: tl.RawUser = {
  _: 'user',
  id: 200,
  accessHash: Long.fromNumber(2),
  bot: true,
  firstName: 'Karmagate',
  username: 'karmagate_bot',
}

/** A supergroup this account created. */
export function megagroup(id: number, title: string): tl.RawChannel {
  return {
    _: 'channel',
    id,
    accessHash: Long.fromNumber(id * 7),
    title,
    megagroup: true,
    creator: true,
    photo: { _: 'chatPhotoEmpty' },
    date: 0,
  }
}

/** An `updates` answer carrying these chats and users. */
export function updatesWith(chats: tl.TypeChat[] = [], users: tl.TypeUser[] = []): tl.RawUpdates {
  return { _: 'updates', updates: [], users, chats, date: 0, seq: 0 }
}

/** The channels an {@link emulateChats} Telegram holds; pass it to a second stub to "restart". */
export interface EmulatedChats {
  readonly channels: { channel: tl.RawChannel; about: string }[]
}

/**
 * Answers the calls `chat.create` makes like a small Telegram would: channels made here show up
 * in `messages.getDialogs` (with their `about`, for `channels.getFullChannel`), and the bot
 * resolves by username. Returns the channels made, to inspect.
 */
export function emulateChats(stub: StubBaseClient, state: EmulatedChats = { channels: [] }): EmulatedChats {
  let nextId = 5000 + state.channels.length
  stub
    .respondWith('messages.getDialogs', (): tl.messages.RawDialogs => ({
      _: 'messages.dialogs',
      dialogs: [],
      messages: [],
      chats: state.channels.map((c) => c.channel),
      users: [],
    }))
    .respondWith('channels.getFullChannel', (req): tl.messages.RawChatFull => {
      const id = req.channel._ === 'inputChannel' ? req.channel.channelId : 0
      const found = state.channels.find((c) => c.channel.id === id)
      if (!found) throw rpcError(400, 'CHANNEL_INVALID')
      return {
        _: 'messages.chatFull',
        // Only what findOwnChat reads; the rest of channelFull does not matter here.
        fullChat: { _: 'channelFull', id, about: found.about } as unknown as tl.RawChannelFull,
        chats: [found.channel],
        users: [],
      }
    })
    .respondWith('channels.createChannel', (req) => {
      const channel = megagroup(nextId++, req.title)
      state.channels.push({ channel, about: req.about })
      return updatesWith([channel])
    })
    .respondWith('contacts.resolveUsername', (): tl.contacts.RawResolvedPeer => ({
      _: 'contacts.resolvedPeer',
      peer: { _: 'peerUser', userId: BOT.id },
      chats: [],
      users: [BOT],
    }))
    .respondWith('channels.inviteToChannel', (req): tl.messages.RawInvitedUsers => {
      const id = req.channel._ === 'inputChannel' ? req.channel.channelId : 0
      return {
        _: 'messages.invitedUsers',
        updates: updatesWith(
          state.channels.filter((c) => c.channel.id === id).map((c) => c.channel),
          [BOT],
        ),
        missingInvitees: [],
      }
    })
    .respondWith('channels.editAdmin', () => updatesWith([], [BOT]))
    // A private channel cannot be fetched without its access hash; mtcute asks with 0.
    .respondWith('channels.getChannels', () => {
      throw rpcError(400, 'CHANNEL_INVALID')
    })
  return state
}

/** Pushes `updateLoginToken`, as Telegram does once the QR code was scanned in the app. */
export function scan(stub: StubBaseClient): void {
  setTimeout(() => {
    stub.onServerUpdate.emit({ _: 'updateShort', update: { _: 'updateLoginToken' }, date: 0 })
  }, 5)
}

/** An `auth.loginToken` with these bytes, valid for `expiresInSeconds` from now. */
export const token = (bytes: number[], expiresInSeconds: number) => ({
  _: 'auth.loginToken' as const,
  expires: Math.floor(Date.now() / 1000) + expiresInSeconds,
  token: new Uint8Array(bytes),
})

/** Renders a QR as text, so tests read what would be drawn. */
export const fakeQr = (url: string) => Promise.resolve(`[QR ${url}]`)

/**
 * Answers `account.getPassword` and `auth.checkPassword` for an account whose 2FA password is
 * `rightPassword`: any other is `PASSWORD_HASH_INVALID`, the right one logs in as {@link SELF}.
 */
export function respondToPassword(stub: StubBaseClient, rightPassword: string): StubBaseClient {
  return stub
    .respondWith('account.getPassword', (): tl.account.RawPassword => ({
      _: 'account.password',
      hasPassword: true,
      newAlgo: { _: 'passwordKdfAlgoUnknown' },
      newSecureAlgo: { _: 'securePasswordKdfAlgoUnknown' },
      secureRandom: new Uint8Array(0),
    }))
    .respondWith('auth.checkPassword', (req): tl.auth.TypeAuthorization => {
      // The stub's SRP puts the password in A; a real server checks the proof.
      const sent = req.password._ === 'inputCheckPasswordSRP' ? new TextDecoder().decode(req.password.A) : ''
      if (sent !== rightPassword) throw rpcError(400, 'PASSWORD_HASH_INVALID')
      return { _: 'auth.authorization', user: SELF }
    })
}

/**
 * A client whose account has 2FA: the first QR token is valid 30 s, the scan then asks for the
 * password, and only `rightPassword` logs in as {@link SELF}.
 */
export function twoFactorClient(rightPassword: string): { stub: StubBaseClient; tg: TelegramClient } {
  const { stub, tg } = stubClient()
  let exports = 0
  stub.respondWith('auth.exportLoginToken', (): tl.auth.TypeLoginToken => {
    exports++
    if (exports === 1) return token([1, 2, 3], 30)
    throw rpcError(401, 'SESSION_PASSWORD_NEEDED')
  })
  respondToPassword(stub, rightPassword)
  return { stub, tg }
}

/** What {@link phoneCodeClient}'s Telegram knows about the account. */
export interface PhoneAccount {
  /** The number as Telegram gets it: digits only. @default '442079460958' */
  readonly phone?: string
  /** The code it "sends". @default '12345' */
  readonly code?: string
  /** The account's 2FA password; none when absent. */
  readonly password?: string
  /** How the code is sent. @default in the app, 5 digits */
  readonly type?: tl.auth.TypeSentCodeType
}

/** The `phoneCodeHash` {@link phoneCodeClient} hands out. */
export const PHONE_CODE_HASH = 'hash-0123'

/**
 * A client that logs in by phone code like Telegram: `auth.sendCode` for the account's number
 * answers `auth.sentCode` (any other number is `PHONE_NUMBER_INVALID`), `auth.signIn` takes only
 * that code with {@link PHONE_CODE_HASH} (else `PHONE_CODE_INVALID`) and logs in as {@link SELF},
 * or, with a `password`, answers `SESSION_PASSWORD_NEEDED` and then checks it like
 * {@link respondToPassword}. Tests replace a responder to make Telegram refuse.
 */
export function phoneCodeClient(account: PhoneAccount = {}): { stub: StubBaseClient; tg: TelegramClient } {
  const phone = account.phone ?? '442079460958'
  const code = account.code ?? '12345'
  const { stub, tg } = stubClient()
  stub
    .respondWith('auth.sendCode', (req): tl.auth.TypeSentCode => {
      if (req.phoneNumber !== phone) throw rpcError(400, 'PHONE_NUMBER_INVALID')
      return {
        _: 'auth.sentCode',
        type: account.type ?? { _: 'auth.sentCodeTypeApp', length: code.length },
        phoneCodeHash: PHONE_CODE_HASH,
      }
    })
    .respondWith('auth.signIn', (req): tl.auth.TypeAuthorization => {
      if (req.phoneNumber !== phone || req.phoneCodeHash !== PHONE_CODE_HASH || req.phoneCode !== code)
        throw rpcError(400, 'PHONE_CODE_INVALID')
      if (account.password !== undefined) throw rpcError(401, 'SESSION_PASSWORD_NEEDED')
      return { _: 'auth.authorization', user: SELF }
    })
  if (account.password !== undefined) respondToPassword(stub, account.password)
  return { stub, tg }
}

import { describe, expect, it } from 'vitest'
import { NotLoggedInError, whoAmI } from '../../../src/worker/whoami.js'
import { rpcError, stubClient } from '../../support/mtcute-stub.js'

describe('whoAmI', () => {
  it('a session without a login is NotLoggedInError', async () => {
    const { stub, tg } = stubClient()
    stub.respondWith('users.getUsers', () => {
      throw rpcError(401, 'AUTH_KEY_UNREGISTERED')
    })
    await expect(whoAmI(tg)).rejects.toBeInstanceOf(NotLoggedInError)
    await tg.destroy()
  })
})

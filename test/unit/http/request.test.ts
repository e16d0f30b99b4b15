import { IncomingMessage } from 'node:http'
import { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { pathOf, rawQueryOf, routePath } from '../../../src/http/request.js'

function requestFor(url: string): IncomingMessage {
  const req = new IncomingMessage(new Socket())
  req.url = url
  return req
}

describe('request helpers', () => {
  it('read the path up to the query or a fragment, and the raw query', () => {
    expect(pathOf(requestFor('/auth/telegram?id=1&hash=ab'))).toBe('/auth/telegram')
    expect(pathOf(requestFor('/auth/telegram'))).toBe('/auth/telegram')
    expect(pathOf(requestFor('/auth/telegram#top?id=1'))).toBe('/auth/telegram')
    expect(pathOf(requestFor('/a?next=/b#c'))).toBe('/a')
    expect(rawQueryOf(requestFor('/auth/telegram?id=1&hash=ab'))).toBe('id=1&hash=ab')
    expect(rawQueryOf(requestFor('/auth/telegram'))).toBe('')
  })

  it('match a route as Express does: any letter case, one trailing slash or none', () => {
    expect(routePath('/auth/telegram')).toBe('/auth/telegram')
    expect(routePath('/Auth/Telegram/')).toBe('/auth/telegram')
    expect(routePath('/auth/telegram//')).toBe('/auth/telegram/')
    expect(routePath('/')).toBe('/')
  })
})

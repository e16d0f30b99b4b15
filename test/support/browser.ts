import { existsSync } from 'node:fs'
import { type Browser, type BrowserContext, chromium } from 'playwright-core'

/** Debian's Chromium; the browser tests never download one. */
export const CHROMIUM_PATH = '/usr/bin/chromium'

/** Flags that keep Chromium headless, offline-friendly and quiet on a CI container. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/**
 * Launches headless Chromium from {@link CHROMIUM_PATH} (Playwright gives it a fresh temporary
 * user-data dir). Throws, so the test fails rather than skips, when Chromium is not installed.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Browser tests need Debian's Chromium at ${CHROMIUM_PATH}, which does not exist. ` +
        'Install it with `sudo apt-get install chromium` (CI installs it); the tests never download a browser.',
    )
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS],
    headless: true,
    timeout: 20_000,
  })
}

/** A browser context that can only reach 127.0.0.1, and what it was stopped from reaching. */
export interface LocalContext {
  readonly context: BrowserContext
  /** URLs of requests aborted because their host was not 127.0.0.1, in order. */
  readonly blocked: string[]
}

/**
 * A fresh context (its own cookies) whose requests to any host but 127.0.0.1 are aborted at
 * once, so that third-party scripts such as Telegram's widget fail fast on an offline machine.
 */
export async function newLocalContext(browser: Browser, timeoutMs = 10_000): Promise<LocalContext> {
  const context = await browser.newContext()
  context.setDefaultTimeout(timeoutMs)
  context.setDefaultNavigationTimeout(timeoutMs)
  const blocked: string[] = []
  await context.route('**/*', async (route) => {
    const url = route.request().url()
    let host = ''
    try {
      host = new URL(url).hostname
    } catch {
      // Not a URL with a host: block it too.
    }
    if (host === '127.0.0.1') {
      await route.continue()
    } else {
      blocked.push(url)
      await route.abort('blockedbyclient')
    }
  })
  return { context, blocked }
}

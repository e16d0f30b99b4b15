import { existsSync } from 'node:fs'
import { afterAll, afterEach, beforeEach } from 'vitest'
import { startTestSite, type TestSite } from './site.js'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { expect } from 'vitest'

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

/** What the browser reports about our own pages: CSP violations, script errors, failed requests. */
export interface PageProblems {
  /** Console messages about the Content Security Policy, in order. */
  readonly csp: string[]
  /** Uncaught script errors (`pageerror`), in order. */
  readonly pageErrors: string[]
  /** Failed requests to `ownOrigin`, as `url: error`. */
  readonly failedOwnRequests: string[]
  /** Violations seen by the current page itself (`securitypolicyviolation` events). */
  violations(): Promise<string[]>
}

/**
 * Starts recording {@link PageProblems} on `page` (call it before the first navigation): the
 * console's CSP messages, uncaught errors, failed requests to `ownOrigin`, and, through an init
 * script, each document's `securitypolicyviolation` events.
 */
export async function watchPageProblems(page: Page, ownOrigin: string): Promise<PageProblems> {
  const csp: string[] = []
  const pageErrors: string[] = []
  const failedOwnRequests: string[] = []
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) csp.push(message.text())
  })
  page.on('pageerror', (error) => pageErrors.push(error.message))
  page.on('requestfailed', (request) => {
    if (request.url().startsWith(ownOrigin))
      failedOwnRequests.push(`${request.url()}: ${request.failure()?.errorText ?? ''}`)
  })
  await page.addInitScript(() => {
    const seen: string[] = []
    Object.assign(window, { cspViolations: seen })
    document.addEventListener('securitypolicyviolation', (e) => {
      seen.push(`${e.effectiveDirective} ${e.blockedURI}`)
    })
  })
  const violations = () => page.evaluate(() => (window as unknown as { cspViolations?: string[] }).cspViolations ?? [])
  return { csp, pageErrors, failedOwnRequests, violations }
}

/** Asserts that nothing in `problems` was recorded, the current page's own violations included. */
export async function expectNoPageProblems(problems: PageProblems): Promise<void> {
  expect(await problems.violations()).toEqual([])
  expect(problems.csp).toEqual([])
  expect(problems.pageErrors).toEqual([])
  expect(problems.failedOwnRequests).toEqual([])
}

/** What {@link useBrowserSite} gives a browser test file. */
export interface BrowserSite {
  /** The site of the running test. */
  site(): TestSite
  /** A fresh context (own cookies) that reaches only 127.0.0.1, closed after the test. */
  newContext(): Promise<LocalContext>
}

/**
 * The lifecycle of a browser test file: a new site over a temp database for each test, contexts
 * closed after it, and one Chromium launched by the first test that needs it, so a missing
 * Chromium fails every test instead of skipping them.
 */
export function useBrowserSite(env: Record<string, string> = {}): BrowserSite {
  let browser: Promise<Browser> | undefined
  let site: TestSite | undefined
  const contexts: BrowserContext[] = []
  afterAll(async () => {
    const launched = await browser?.catch(() => undefined)
    await launched?.close()
  })
  beforeEach(async () => {
    site = await startTestSite(env)
  })
  afterEach(async () => {
    try {
      await Promise.all(contexts.splice(0).map((c) => c.close()))
    } finally {
      await site?.close()
      site = undefined
    }
  })
  return {
    site() {
      if (!site) throw new Error('the test site is not running')
      return site
    },
    async newContext() {
      browser ??= launchChromium()
      const local = await newLocalContext(await browser)
      contexts.push(local.context)
      return local
    },
  }
}

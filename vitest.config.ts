import { defineConfig } from 'vitest/config'
import SummaryLineReporter from './test/support/summary-reporter.js'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Browser and process tests start servers and Chromium: give them room on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', new SummaryLineReporter()],
  },
})

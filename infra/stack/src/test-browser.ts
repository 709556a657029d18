import { runTestTier } from './test-tier.js'

// The web client in a real browser, against a stack started as for the e2e tier.
await runTestTier({ profile: 'e2e', project: 'browser' })

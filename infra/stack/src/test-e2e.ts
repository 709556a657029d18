import { runTestTier } from './test-tier.js'

await runTestTier({ profile: 'e2e' })

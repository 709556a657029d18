import { E2E } from './plan.js'
import { runTestTier } from './test-tier.js'

await runTestTier({ profile: 'e2e', settings: E2E })

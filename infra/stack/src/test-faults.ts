import { startFaultControl } from './fault-control.js'
import { FAULTS } from './plan.js'
import { runTestTier } from './test-tier.js'

await runTestTier({ profile: 'faults', settings: FAULTS, attach: startFaultControl })

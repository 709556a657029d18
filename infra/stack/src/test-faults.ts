import { startFaultControl } from './fault-control.js'
import { runTestTier } from './test-tier.js'

await runTestTier({ profile: 'faults', attach: startFaultControl })

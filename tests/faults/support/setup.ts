// Without the runner the e2e helpers would default to the e2e stack's ports: refuse instead.
if (!process.env.FAULTS_CONTROL_URL) {
  throw new Error('run the fault tier through `npm run test:faults`, which starts its own stack')
}

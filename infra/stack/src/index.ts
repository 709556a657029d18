/** What other tools (the benchmark) need to run the stack as `npm start` does. */
export { createPrefixedOutput } from './log-output.js'
export { repositoryRoot } from './paths.js'
export { planOrExplain, planStack } from './plan.js'
export { type RunningStack, startStack } from './stack.js'

export * from './errors.js'
export * from './revocations.js'
export * from './standing.js'

export * from './errors.js'
export * from './standing.js'

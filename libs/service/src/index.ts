export * from './core.js'
export * from './http.js'
export * from './metrics.js'
export * from './revocations.js'

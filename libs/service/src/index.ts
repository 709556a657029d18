export * from './core.js'
export * from './http.js'
export * from './revocations.js'

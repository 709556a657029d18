export * from './ids.js'
export * from './messages.js'

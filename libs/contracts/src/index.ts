export * from './dto.js'
export * from './ids.js'
export * from './messages.js'

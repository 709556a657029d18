export * from './eventually.js'

import { serveUntilSignal } from '@chatty/http'
import { configureLogging, createLogger } from '@chatty/logger'

import { createApp } from './app.js'
import { loadConfig } from './config.js'
import { createContext } from './context.js'
import { SERVICE } from './service.js'

const config = loadConfig(process.env)
configureLogging({ level: config.logLevel, service: SERVICE.name })
const logger = createLogger('notifications:main')

const ctx = await createContext(config)
const app = createApp(ctx)
await ctx.start()
// The HTTP server closes once its responses end, and an event stream never ends by itself: the
// streams end first (clients reconnect to another replica).
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void ctx.streams.close())
}
await serveUntilSignal(app, { port: config.port, host: config.host, logger, stop: ctx.close })

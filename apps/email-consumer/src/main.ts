import { redactUrl } from '@chatty/db'
import { startHttpServer } from '@chatty/http'
import { configureLogging, createLogger } from '@chatty/logger'

import { createApp } from './app.js'
import { loadConfig } from './config.js'
import { createContext, PRODUCER } from './context.js'

const config = loadConfig(process.env)
configureLogging({ level: config.logLevel, service: PRODUCER })
const logger = createLogger('email:main')

const ctx = await createContext(config)
const app = createApp(ctx)
await ctx.start()
const server = await startHttpServer(app, { port: config.port, host: config.host })
logger.info(
  { port: server.port, smtp: redactUrl(config.smtp.url), from: config.mailFrom },
  'email consumer running',
)

const shutdown = new AbortController()
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => shutdown.abort(signal))
}
shutdown.signal.addEventListener('abort', async () => {
  logger.info({ signal: shutdown.signal.reason }, 'shutting down')
  await server.close()
  await ctx.close()
  logger.info('stopped')
})

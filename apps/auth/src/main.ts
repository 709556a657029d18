import { inTransaction } from '@chatty/db'
import { serveUntilSignal } from '@chatty/http'
import { configureLogging, createLogger } from '@chatty/logger'

import { createApp } from './app.js'
import { loadConfig } from './config.js'
import { createContext } from './context.js'
import { bootstrapAdmin } from './domain/accounts.js'
import { SERVICE } from './service.js'

const config = loadConfig(process.env)
configureLogging({ level: config.logLevel, service: SERVICE.name })
const logger = createLogger('auth:main')

const ctx = await createContext(config)
if (config.admin) {
  const { admin: wanted } = config
  const admin = await inTransaction(ctx.orm.em, (em) =>
    bootstrapAdmin(em, { clock: ctx.clock, passwords: ctx.passwords }, wanted),
  )
  logger.info({ userId: admin.id, username: admin.username }, 'admin account ready')
}
const app = createApp(ctx)
await ctx.start()
await serveUntilSignal(app, { port: config.port, host: config.host, logger, stop: ctx.close })

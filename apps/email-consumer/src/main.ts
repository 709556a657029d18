import { redactUrl } from '@chatty/db'
import { serveUntilSignal } from '@chatty/http'
import { configureLogging, createLogger } from '@chatty/logger'

import { createApp } from './app.js'
import { loadConfig } from './config.js'
import { createContext } from './context.js'
import { SERVICE } from './service.js'

const config = loadConfig(process.env)
configureLogging({ level: config.logLevel, service: SERVICE.name })
const logger = createLogger('email-consumer:main')

const ctx = await createContext(config)
const app = createApp(ctx)
await ctx.start()
logger.info({ smtp: redactUrl(config.smtp.url), from: config.mailFrom }, 'email consumer running')
await serveUntilSignal(app, { port: config.port, host: config.host, logger, stop: ctx.close })

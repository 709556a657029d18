import { configureLogging } from '@chatty/logger'

// Tests assert behaviour, not log lines; TEST_LOG_LEVEL=debug shows them when a test needs a look.
configureLogging({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })

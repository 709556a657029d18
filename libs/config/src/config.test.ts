import { describe, expect, it } from 'vitest'

import {
  ConfigError,
  loadServiceBaseConfig,
  parseDotEnv,
  readBool,
  readInt,
  readSecret,
  type ServiceManifest,
} from './index.js'

describe('config readers', () => {
  it('falls back to the default when a variable is blank', () => {
    expect(readInt({ PORT: ' ' }, 'PORT', 3000)).toBe(3000)
  })

  it('rejects a number that is not an integer or out of range', () => {
    expect(() => readInt({ PORT: '3.5' }, 'PORT', 1)).toThrow(ConfigError)
    expect(() => readInt({ PORT: '70000' }, 'PORT', 1, { max: 65535 })).toThrow(/at most/)
  })

  it('reads booleans in the usual spellings and rejects others', () => {
    expect(readBool({ X: 'false' }, 'X', true)).toBe(false)
    expect(readBool({ X: 'YES' }, 'X', false)).toBe(true)
    expect(() => readBool({ X: 'maybe' }, 'X', false)).toThrow(ConfigError)
  })

  it('refuses a default secret in production only', () => {
    expect(readSecret({}, 'KEY', 'dev')).toBe('dev')
    expect(() => readSecret({ NODE_ENV: 'production' }, 'KEY', 'dev')).toThrow(/production/)
  })

  it('parses .env text with comments and quotes', () => {
    expect(parseDotEnv('# c\nA=1\nexport B="two words"\nC=x # note\n\nD=')).toEqual({
      A: '1',
      B: 'two words',
      C: 'x',
      D: '',
    })
  })
})

describe('the metrics port', () => {
  const service: ServiceManifest = {
    name: 'demo',
    port: 3009,
    metricsPort: 9109,
    prefixes: ['/api/demo'],
    healthPath: '/api/demo/health',
    readyPath: '/api/demo/ready',
    database: 'demo',
    databaseVariable: 'DEMO_DATABASE_URL',
    queue: 'demo.events',
  }

  it("is the manifest's unless METRICS_PORT says otherwise; 0 lets the system pick one", () => {
    expect(loadServiceBaseConfig({}, service).metricsPort).toBe(9109)
    expect(loadServiceBaseConfig({ METRICS_PORT: '9200' }, service).metricsPort).toBe(9200)
    expect(loadServiceBaseConfig({ METRICS_PORT: '0', PORT: '0' }, service).metricsPort).toBe(0)
  })

  it('is never the API port', () => {
    expect(() => loadServiceBaseConfig({ METRICS_PORT: '3009' }, service)).toThrow(
      /differ from PORT/,
    )
    expect(() => loadServiceBaseConfig({ METRICS_PORT: 'off' }, service)).toThrow(ConfigError)
  })
})

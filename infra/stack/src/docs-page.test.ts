import { describe, expect, it } from 'vitest'

import { renderDocsPage } from './docs-page.js'
import { type ServiceDefinition, SERVICES } from './services.js'

describe('API docs page', () => {
  it('links the OpenAPI document of every routed service and no worker', () => {
    const page = renderDocsPage(SERVICES)
    expect(page).toContain('href="/api/auth/openapi.json"')
    expect(page).not.toContain('email-consumer')
    expect(page).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/)
  })

  it('escapes what it prints and cannot be broken out of its data script', () => {
    const hostile: ServiceDefinition = {
      name: '<img src=x onerror=alert(1)>',
      port: 1,
      metricsPort: 2,
      prefixes: ['/api/x</script><script>alert(1)</script>'],
      healthPath: '/h',
      readyPath: '/r',
      database: 'x',
      databaseVariable: 'X',
      queue: 'x.events',
    }
    const page = renderDocsPage([hostile])
    expect(page).not.toContain('<img src=x')
    expect(page).not.toContain('</script><script>alert(1)')
  })
})

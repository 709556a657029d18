import { join } from 'node:path'

import { format, resolveConfig } from 'prettier'

import { renderDocsPage } from './docs-page.js'
import { DOCS_DIR, generateNginxTemplate, TEMPLATE_PATH } from './nginx.js'
import type { ServiceDefinition } from './services.js'

export interface GeneratedFile {
  /** Relative to the repository root. */
  path: string
  content: string
}

/**
 * The committed files derived from the service registry. Docker mounts them as they are, so they
 * are checked in; a unit test fails when they drift from the registry.
 */
export async function generatedGatewayFiles(
  rootDir: string,
  services: readonly ServiceDefinition[],
): Promise<GeneratedFile[]> {
  const docsPath = join(DOCS_DIR, 'index.html')
  const prettierOptions = (await resolveConfig(join(rootDir, docsPath))) ?? {}
  return [
    { path: TEMPLATE_PATH, content: generateNginxTemplate(services) },
    {
      path: docsPath,
      // The repository lint runs prettier over HTML too.
      content: await format(renderDocsPage(services), { ...prettierOptions, parser: 'html' }),
    },
  ]
}

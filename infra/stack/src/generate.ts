import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

import { generatedGatewayFiles } from './generated-files.js'
import { repositoryRoot } from './paths.js'
import { SERVICES } from './services.js'

const root = repositoryRoot()
for (const file of await generatedGatewayFiles(root, SERVICES)) {
  mkdirSync(dirname(join(root, file.path)), { recursive: true })
  writeFileSync(join(root, file.path), file.content)
  console.log(`wrote ${file.path}`)
}

import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The monorepo root, whether this runs from src (tests) or from dist (npm start). */
export function repositoryRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
}

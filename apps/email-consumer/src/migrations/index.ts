import type { MigrationClassList } from '@chatty/db'

import { Migration20261121034251 } from './Migration20261121034251.js'
import { Migration20261202012030 } from './Migration20261202012030.js'
import { Migration20261202015000 } from './Migration20261202015000.js'
import { Migration20261202040204 } from './Migration20261202040204.js'

export const migrations: MigrationClassList = [
  Migration20261121034251,
  Migration20261202012030,
  Migration20261202015000,
  Migration20261202040204,
]

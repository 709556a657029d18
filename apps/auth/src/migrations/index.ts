import type { MigrationClassList } from '@chatty/db'

import { Migration20261121034115 } from './Migration20261121034115.js'
import { Migration20261121052906 } from './Migration20261121052906.js'
import { Migration20261202011935 } from './Migration20261202011935.js'
import { Migration20261202022415 } from './Migration20261202022415.js'
import { Migration20261202040635 } from './Migration20261202040635.js'
import { Migration20261202041155 } from './Migration20261202041155.js'

export const migrations: MigrationClassList = [
  Migration20261121034115,
  Migration20261121052906,
  Migration20261202011935,
  Migration20261202022415,
  Migration20261202040635,
  Migration20261202041155,
]

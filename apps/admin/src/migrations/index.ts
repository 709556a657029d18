import type { MigrationClassList } from '@chatty/db'

import { Migration20261121034547 } from './Migration20261121034547.js'
import { Migration20261121050515 } from './Migration20261121050515.js'
import { Migration20261202012015 } from './Migration20261202012015.js'
import { Migration20261202014349 } from './Migration20261202014349.js'
import { Migration20261202040805 } from './Migration20261202040805.js'
import { Migration20261202044924 } from './Migration20261202044924.js'

export const migrations: MigrationClassList = [
  Migration20261121034547,
  Migration20261121050515,
  Migration20261202012015,
  Migration20261202014349,
  Migration20261202040805,
  Migration20261202044924,
]

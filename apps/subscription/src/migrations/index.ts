import type { MigrationClassList } from '@chatty/db'

import { Migration20261121034628 } from './Migration20261121034628.js'
import { Migration20261121050759 } from './Migration20261121050759.js'
import { Migration20261202012005 } from './Migration20261202012005.js'
import { Migration20261202021129 } from './Migration20261202021129.js'
import { Migration20261202021237 } from './Migration20261202021237.js'
import { Migration20261202040854 } from './Migration20261202040854.js'
import { Migration20261202041307 } from './Migration20261202041307.js'
import { Migration20261202051002 } from './Migration20261202051002.js'
import { Migration20261202071258 } from './Migration20261202071258.js'
import { Migration20261202072411 } from './Migration20261202072411.js'

export const migrations: MigrationClassList = [
  Migration20261121034628,
  Migration20261121050759,
  Migration20261202012005,
  Migration20261202021129,
  Migration20261202021237,
  Migration20261202040854,
  Migration20261202041307,
  Migration20261202051002,
  Migration20261202071258,
  Migration20261202072411,
]

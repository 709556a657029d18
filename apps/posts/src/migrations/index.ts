import type { MigrationClassList } from '@chatty/db'

import { Migration20261121034600 } from './Migration20261121034600.js'
import { Migration20261202011952 } from './Migration20261202011952.js'
import { Migration20261202044959 } from './Migration20261202044959.js'
import { Migration20261202050240 } from './Migration20261202050240.js'
import { Migration20261202050712 } from './Migration20261202050712.js'
import { Migration20261202052933 } from './Migration20261202052933.js'
import { Migration20261202054838 } from './Migration20261202054838.js'
import { Migration20261202054910 } from './Migration20261202054910.js'
import { Migration20261202065201 } from './Migration20261202065201.js'
import { Migration20261202070821 } from './Migration20261202070821.js'

export const migrations: MigrationClassList = [
  Migration20261121034600,
  Migration20261202011952,
  Migration20261202044959,
  Migration20261202050240,
  Migration20261202050712,
  Migration20261202052933,
  Migration20261202054838,
  Migration20261202054910,
  Migration20261202065201,
  Migration20261202070821,
]

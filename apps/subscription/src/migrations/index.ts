import type { MigrationClassList } from '@chatty/db'

import { Migration20261121034628 } from './Migration20261121034628.js'
import { Migration20261121050759 } from './Migration20261121050759.js'

export const migrations: MigrationClassList = [Migration20261121034628, Migration20261121050759]

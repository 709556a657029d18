import type { MigrationClassList } from '@chatty/db'

import { Migration20261121034600 } from './Migration20261121034600.js'

export const migrations: MigrationClassList = [Migration20261121034600]

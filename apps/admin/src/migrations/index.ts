import type { MigrationClassList } from '@chatty/db'

import { Migration20261121034547 } from './Migration20261121034547.js'

export const migrations: MigrationClassList = [Migration20261121034547]

import type { MigrationClassList } from '@chatty/db'

import { Migration20261121034115 } from './Migration20261121034115.js'

export const migrations: MigrationClassList = [Migration20261121034115]

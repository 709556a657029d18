import type { MigrationClassList } from '@chatty/db'

import { Migration20261121034628 } from './Migration20261121034628.js'

export const migrations: MigrationClassList = [Migration20261121034628]

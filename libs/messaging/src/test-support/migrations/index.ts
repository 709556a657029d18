import type { MigrationClassList } from '@chatty/db'

import { Migration20261121033723 } from './Migration20261121033723.js'

export const migrations: MigrationClassList = [Migration20261121033723]

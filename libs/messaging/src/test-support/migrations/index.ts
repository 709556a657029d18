import type { MigrationClassList } from '@chatty/db'

import { Migration20261121033723 } from './Migration20261121033723.js'
import { Migration20261202012100 } from './Migration20261202012100.js'

export const migrations: MigrationClassList = [Migration20261121033723, Migration20261202012100]

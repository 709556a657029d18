import type { MigrationClassList } from '@chatty/db'

import { Migration20261202065239 } from './Migration20261202065239.js'

export const migrations: MigrationClassList = [Migration20261202065239]

import type { MigrationClassList } from '@chatty/db'

import { Migration20261121033800 } from './Migration20261121033800.js'

export const migrations: MigrationClassList = [Migration20261121033800]

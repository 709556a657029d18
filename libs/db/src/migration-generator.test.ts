import { describe, expect, it } from 'vitest'

import { ChattyMigrationGenerator } from './migration-generator.js'

// Rendering needs none of the driver, naming strategy or options.
const generator = new ChattyMigrationGenerator({} as never, {} as never, {} as never)

describe('ChattyMigrationGenerator', () => {
  it('writes a migration in the house style', () => {
    const long = `create table "things" (${Array.from({ length: 8 }, (_, i) => `"c${i}" text`).join(', ')});`
    const code = generator.generateMigrationFile('Migration20260101000000', {
      up: [long, '', 'create index "i" on "things" ("c0");'],
      down: ['drop table if exists "things" cascade;'],
    })
    expect(code).toBe(
      [
        `import { Migration } from '@chatty/db'`,
        ``,
        `export class Migration20260101000000 extends Migration {`,
        `  override name = 'Migration20260101000000'`,
        ``,
        `  override up(): void {`,
        `    this.addSql(`,
        `      \`${long}\`,`,
        `    )`,
        ``,
        `    this.addSql(\`create index "i" on "things" ("c0");\`)`,
        `  }`,
        ``,
        `  override down(): void {`,
        `    this.addSql(\`drop table if exists "things" cascade;\`)`,
        `  }`,
        `}`,
        ``,
      ].join('\n'),
    )
  })

  it('escapes what a template literal would interpret', () => {
    expect(generator.createStatement('select $$`x`$$', 4)).toBe(
      '    this.addSql(`select \\$\\$\\`x\\`\\$\\$`)\n',
    )
  })
})

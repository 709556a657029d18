import { TSMigrationGenerator } from '@mikro-orm/migrations'

/** Writes migrations in the house style, importing the base class from `@chatty/db`. */
export class ChattyMigrationGenerator extends TSMigrationGenerator {
  override generateMigrationFile(
    className: string,
    diff: { up: string[]; down: string[] },
  ): string {
    const method = (name: string, statements: string[]): string =>
      `  override ${name}(): void {\n${statements.map((sql) => this.createStatement(sql, 4)).join('')}  }\n`
    const body = [`  override name = '${className}'\n`, method('up', diff.up)]
    if (diff.down.length > 0) body.push(method('down', diff.down))
    const code = `import { Migration } from '@chatty/db'\n\nexport class ${className} extends Migration {\n${body.join('\n')}}\n`
    return code
      .replace(/\n{3,}/g, '\n\n')
      .replace(/\{\n\n/g, '{\n')
      .replace(/\n\n(\s*)\}/g, '\n$1}')
  }

  override createStatement(sql: string, padLeft: number): string {
    if (!sql) return '\n'
    const pad = ' '.repeat(padLeft)
    const literal = `\`${sql.replace(/[`$\\]/g, '\\$&')}\``
    const oneLine = `${pad}this.addSql(${literal})`
    // Breaks long calls the way Prettier would, so generated files pass the format check as written.
    if (oneLine.length <= 100) return `${oneLine}\n`
    return `${pad}this.addSql(\n${pad}  ${literal},\n${pad})\n`
  }
}

import pg from 'pg'

/** The same server as `url`, with its path pointing at database `name`. */
export function databaseUrl(url: string, name: string): string {
  const target = new URL(url)
  target.pathname = `/${name}`
  return target.toString()
}

export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.slice(1))
  if (!name) throw new Error(`The database URL names no database: ${redactUrl(url)}`)
  return name
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** Runs `fn` with a single connection that is closed afterwards, whatever happens. */
export async function withClient<T>(
  url: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** Creates the database named in `url` if it does not exist yet; true when this call created it. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url)
  return withClient(databaseUrl(url, 'postgres'), async (client) => {
    const existing = await client.query('select 1 from pg_database where datname = $1', [name])
    if (existing.rowCount) return false
    try {
      await client.query(`create database ${quoteIdentifier(name)}`)
      return true
    } catch (error) {
      // Another process created it between our check and our create.
      if (isPgError(error, '42P04') || isPgError(error, '23505')) return false
      throw error
    }
  })
}

export function isPgError(error: unknown, code: string): boolean {
  return error instanceof Error && (error as Error & { code?: unknown }).code === code
}

export function redactUrl(url: string): string {
  const parsed = new URL(url)
  if (parsed.password) parsed.password = '***'
  return parsed.toString()
}

import { InvalidCursorError } from '@chatty/domain'
import { z } from '@hono/zod-openapi'

/** `?limit=&cursor=` as API.md defines them. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(512).optional(),
})

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() })
}

/** Cursors are opaque to clients: base64url JSON that only the server reads. */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url')
}

export function decodeCursor<T extends z.ZodType>(
  cursor: string | undefined,
  schema: T,
): z.infer<T> | undefined {
  if (cursor === undefined) return undefined
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')))
    if (parsed.success) return parsed.data
  } catch {
    // falls through to the 400 below
  }
  throw new InvalidCursorError()
}

/** One page of an API list: its items and the cursor of the next page, if there is one. */
export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

/**
 * Turns the `limit + 1` rows a query fetched into a page: the first `limit` rows, mapped, and a
 * cursor from the last of them when the extra row shows there is more.
 */
export function pageFromRows<R, T>(
  rows: readonly R[],
  limit: number,
  toItem: (row: R) => T,
  positionOf: (last: R) => unknown,
): Page<T> {
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return {
    items: page.map(toItem),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(positionOf(last)) : null,
  }
}

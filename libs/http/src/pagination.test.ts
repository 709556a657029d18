import { z } from '@hono/zod-openapi'
import { describe, expect, it } from 'vitest'

import { decodeCursor, pageFromRows } from './pagination.js'

const position = z.object({ id: z.number() })

describe('pageFromRows', () => {
  it('keeps the first limit rows and points the cursor at the last of them when more exist', () => {
    const page = pageFromRows(
      [1, 2, 3],
      2,
      (n) => `#${n}`,
      (n) => ({ id: n }),
    )
    expect(page.items).toEqual(['#1', '#2'])
    expect(decodeCursor(page.nextCursor ?? undefined, position)).toEqual({ id: 2 })
  })

  it('has no next cursor when the query found no extra row', () => {
    expect(pageFromRows([1, 2], 2, String, (n) => ({ id: n }))).toEqual({
      items: ['1', '2'],
      nextCursor: null,
    })
    expect(pageFromRows([], 2, String, (n) => ({ id: n }))).toEqual({ items: [], nextCursor: null })
  })
})

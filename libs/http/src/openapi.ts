import { z } from '@hono/zod-openapi'

export const problemSchema = z
  .object({
    type: z.string(),
    code: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem')

/** OpenAPI response entries for the problem+json errors a route can answer. */
export function problems(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: 'Problem details (RFC 9457)',
        content: { 'application/problem+json': { schema: problemSchema } },
      },
    ]),
  )
}

/** A required JSON request body (required, so a missing body is a 422 and not skipped). */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { 'application/json': { schema } } } as const
}

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } } as const
}

export const bearerSecurity = [{ bearer: [] }]

/**
 * Names a shared response schema in the OpenAPI document. Schemas from @chatty/contracts may be
 * built before @hono/zod-openapi adds `.openapi()` to zod, so the object is rebuilt here.
 */
export function named<T extends z.ZodRawShape>(schema: z.ZodObject<T>, name: string) {
  return z.object(schema.shape).openapi(name)
}

import { type FieldError, ValidationError } from '@chatty/domain'
import { OpenAPIHono } from '@hono/zod-openapi'

import type { AppEnv } from './env.js'

interface ZodIssueLike {
  path: PropertyKey[]
  message: string
}

/** Turns zod issues into the `errors` array of a 422 problem, one entry per field. */
export function toFieldErrors(issues: readonly ZodIssueLike[], target?: string): FieldError[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.')
    return {
      path: path || (target === 'json' || !target ? '(body)' : `(${target})`),
      message: issue.message,
    }
  })
}

/** The one way to build a router, so every route shares validation and error mapping. */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new ValidationError(toFieldErrors(result.error.issues, result.target))
      }
    },
  })
}

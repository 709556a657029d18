import {
  AppError,
  isDependencyDown,
  MalformedRequestError,
  NotFoundError,
  PayloadTooLargeError,
  type Problem,
  UnauthorizedError,
  UnavailableError,
  UnsupportedMediaTypeError,
} from '@chatty/domain'
import { HTTPException } from 'hono/http-exception'

/** Maps any thrown value to the AppError the client sees, or undefined for a genuine bug (500). */
export function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error
  if (error instanceof HTTPException) {
    switch (error.status) {
      case 400:
        return new MalformedRequestError(error.message || undefined)
      case 413:
        return new PayloadTooLargeError()
      case 415:
        return new UnsupportedMediaTypeError()
      case 401:
        return new UnauthorizedError()
      case 404:
        return new NotFoundError()
      default:
        return new AppError(error.status, 'error', error.message || 'Error')
    }
  }
  if (isDependencyDown(error)) return new UnavailableError()
  return undefined
}

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
  })
}

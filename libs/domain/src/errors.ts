export interface FieldError {
  path: string
  message: string
}

export interface Problem {
  type: string
  code: string
  title: string
  status: number
  detail?: string
  errors?: FieldError[]
}

/** An error with a stable code that the API contract names; rendered as problem+json. */
export class AppError extends Error {
  readonly status: number
  readonly code: string
  readonly title: string
  readonly errors: FieldError[] | undefined
  readonly headers: Record<string, string>

  constructor(
    status: number,
    code: string,
    title: string,
    detail?: string,
    options: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail ?? title)
    this.name = new.target.name
    this.status = status
    this.code = code
    this.title = title
    this.errors = options.errors
    this.headers = options.headers ?? {}
  }

  toProblem(): Problem {
    return {
      type: `/problems/${this.code}`,
      code: this.code,
      title: this.title,
      status: this.status,
      detail: this.message,
      ...(this.errors ? { errors: this.errors } : {}),
    }
  }
}

export class MalformedRequestError extends AppError {
  constructor(detail = 'The request body is not valid JSON.') {
    super(400, 'malformed-request', 'Malformed request', detail)
  }
}

export class InvalidCursorError extends AppError {
  constructor() {
    super(400, 'invalid-cursor', 'Invalid cursor', 'The cursor is unknown or malformed.')
  }
}

export class UnauthorizedError extends AppError {
  constructor(detail = 'Authentication is required.', code = 'unauthorized') {
    super(401, code, 'Unauthorized', detail, {
      headers: { 'WWW-Authenticate': 'Bearer' },
    })
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = 'You are not allowed to do this.', code = 'forbidden') {
    super(403, code, 'Forbidden', detail)
  }
}

export class NotFoundError extends AppError {
  constructor(detail = 'The resource does not exist.') {
    super(404, 'not-found', 'Not Found', detail)
  }
}

export class ConflictError extends AppError {
  constructor(code: string, detail: string, errors?: FieldError[]) {
    super(409, code, 'Conflict', detail, errors ? { errors } : {})
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(detail = 'The request body is too large.', headers?: Record<string, string>) {
    super(413, 'payload-too-large', 'Payload too large', detail, headers ? { headers } : {})
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(detail = 'The request body must be application/json.') {
    super(415, 'unsupported-media-type', 'Unsupported media type', detail)
  }
}

/** 422: the request is well-formed but breaks a schema or a rule. */
export class ValidationError extends AppError {
  constructor(
    errors: FieldError[],
    detail = 'The request is invalid.',
    code = 'validation-failed',
  ) {
    super(422, code, 'Unprocessable content', detail, { errors })
  }
}

/** 422 for a rule with its own code, such as `cannot-follow-self` or `invalid-code`. */
export class RuleViolationError extends AppError {
  constructor(code: string, detail: string, errors?: FieldError[]) {
    super(422, code, 'Unprocessable content', detail, errors ? { errors } : {})
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds))
    super(429, 'rate-limited', 'Too many requests', `Try again in ${seconds} s.`, {
      headers: { 'Retry-After': String(seconds) },
    })
  }
}

export class UnavailableError extends AppError {
  constructor(detail = 'A service this request needs is unavailable. Try again shortly.') {
    super(503, 'unavailable', 'Service unavailable', detail, { headers: { 'Retry-After': '5' } })
  }
}

const DEPENDENCY_DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08006',
])

/** True for errors that mean PostgreSQL or Redis cannot be reached, so the answer is 503. */
export function isDependencyDown(error: unknown): boolean {
  let current: unknown = error
  for (let depth = 0; current && depth < 5; depth++) {
    const candidate = current as {
      code?: unknown
      name?: unknown
      message?: unknown
      cause?: unknown
    }
    if (typeof candidate.code === 'string' && DEPENDENCY_DOWN_CODES.has(candidate.code)) return true
    if (candidate.name === 'MaxRetriesPerRequestError') return true
    if (
      typeof candidate.message === 'string' &&
      /Connection is closed|Connection terminated|connect ECONNREFUSED|Stream isn't writeable|timeout exceeded when trying to connect/i.test(
        candidate.message,
      )
    ) {
      return true
    }
    current = candidate.cause
  }
  return false
}

import { RateLimitedError } from '@chatty/domain'
import type { Redis } from 'ioredis'

export interface RateLimit {
  /** What is limited, e.g. `login:ip`; becomes part of the Redis key. */
  name: string
  /** Whom the counter belongs to; only per-IP limits scale with the multiplier. */
  scope: 'ip' | 'account' | 'user'
  limit: number
  windowSeconds: number
}

// INCR and set the window on the first hit atomically, answer the count and the time left.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return { count, ttl }
`

/**
 * Fixed-window counters in Redis under `rl:`; every instance of a service shares them. The
 * multiplier raises per-IP limits for stacks where all clients share one address (tests behind
 * one proxy); per-account limits, which protect passwords and codes, never scale.
 */
export class RateLimiter {
  private readonly redis: Redis
  private readonly multiplier: number

  constructor(redis: Redis, options: { multiplier?: number } = {}) {
    this.redis = redis
    this.multiplier = options.multiplier ?? 1
  }

  private key(rule: RateLimit, subject: string): string {
    return `rl:${rule.name}:${subject.toLowerCase()}`
  }

  private limitOf(rule: RateLimit): number {
    return rule.scope === 'ip' ? Math.floor(rule.limit * this.multiplier) : rule.limit
  }

  /** Counts one attempt and throws 429 once the limit is passed. */
  async hit(rule: RateLimit, subject: string): Promise<void> {
    const [count, ttlMs] = (await this.redis.eval(
      HIT_SCRIPT,
      1,
      this.key(rule, subject),
      rule.windowSeconds * 1000,
    )) as [number, number]
    if (count > this.limitOf(rule)) throw new RateLimitedError(ttlMs / 1000)
  }

  /** Throws 429 if the limit is already used up, without counting. */
  async check(rule: RateLimit, subject: string): Promise<void> {
    const key = this.key(rule, subject)
    const [[, count], [, ttlMs]] = (await this.redis.pipeline().get(key).pttl(key).exec()) as [
      [unknown, string | null],
      [unknown, number],
    ]
    if (Number(count ?? 0) >= this.limitOf(rule)) {
      throw new RateLimitedError(Math.max(ttlMs, 1000) / 1000)
    }
  }

  /** Counts an attempt without throwing (for failures that are checked before the next try). */
  async count(rule: RateLimit, subject: string): Promise<void> {
    await this.redis.eval(HIT_SCRIPT, 1, this.key(rule, subject), rule.windowSeconds * 1000)
  }

  async reset(rule: RateLimit, subject: string): Promise<void> {
    await this.redis.del(this.key(rule, subject))
  }
}

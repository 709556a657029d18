import type { RateLimit } from '@chatty/http'

export const limits = {
  createPerUser: { name: 'posts:create', scope: 'user', limit: 30, windowSeconds: 60 },
  commentPerUser: { name: 'posts:comment', scope: 'user', limit: 30, windowSeconds: 60 },
} satisfies Record<string, RateLimit>

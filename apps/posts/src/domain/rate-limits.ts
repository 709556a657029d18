import type { RateLimit } from '@chatty/http'

export const limits = {
  createPerUser: { name: 'posts:create', scope: 'user', limit: 30, windowSeconds: 60 },
  // Likes, reposts and their undoing; far above any person's pace, low enough to stop a script.
  reactPerUser: { name: 'posts:react', scope: 'user', limit: 300, windowSeconds: 600 },
  commentPerUser: { name: 'posts:comment', scope: 'user', limit: 30, windowSeconds: 60 },
  // Edits of posts and comments together: each is an event four services act on, so a script
  // rewriting one post in a loop costs the whole system; fixing typos stays far below.
  editPerUser: { name: 'posts:edit', scope: 'user', limit: 30, windowSeconds: 60 },
  // Four pictures a post at the pace of posting; each costs a decode and two files.
  uploadPerUser: { name: 'posts:upload', scope: 'user', limit: 120, windowSeconds: 3600 },
} satisfies Record<string, RateLimit>

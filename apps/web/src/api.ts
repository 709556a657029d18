/** The public API's shapes (shared/API.md) as far as the client reads them. */
export interface Author {
  id: string
  username: string
  displayName: string
  avatarUrl: string | null
}

export interface PublicUser extends Author {
  bio: string | null
  createdAt: string
  followersCount: number
  followingCount: number
  postsCount: number
  following?: boolean
  followedBy?: boolean
}

export interface Me extends PublicUser {
  email: string
  emailVerified: boolean
  role: 'user' | 'moderator' | 'admin'
  status: 'active' | 'banned' | 'deleted'
}

export interface Tokens {
  accessToken: string
  refreshToken: string
  expiresIn: number
  user: Me
}

export interface Media {
  id: string
  url: string
  previewUrl: string
  width: number
  height: number
  description: string | null
}

export interface Poll {
  options: { text: string; votes: number }[]
  totalVotes: number
  multiple: boolean
  expiresAt: string
  closed: boolean
  myChoices: number[] | null
}

export type Visibility = 'public' | 'followers' | 'private'

export interface Post {
  id: string
  author: Author
  title: string | null
  content: string
  tags: string[]
  mentions: string[]
  visibility: Visibility
  likeCount: number
  commentCount: number
  repostCount: number
  likedByMe: boolean
  repostedByMe: boolean
  poll: Poll | null
  media: Media[]
  createdAt: string
}

export interface FeedItem {
  type: 'post' | 'repost'
  post: Post
  repostedBy: Author | null
  at: string
}

export interface Comment {
  id: string
  postId: string
  parentId: string | null
  author: Author
  content: string
  createdAt: string
}

export interface Notification {
  id: string
  type: 'follow' | 'like' | 'repost' | 'comment' | 'reply' | 'mention' | 'poll-ended'
  actor: Author | null
  post: { id: string; excerpt: string } | null
  comment: { id: string; excerpt: string } | null
  read: boolean
  createdAt: string
}

export interface AdminUser {
  id: string
  username: string
  email: string
  displayName: string
  role: Me['role']
  status: Me['status']
  emailVerified: boolean
  createdAt: string
  bannedAt: string | null
  banReason: string | null
}

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

export interface Problem {
  code: string
  title: string
  status: number
  detail?: string
  errors?: { path: string; message: string }[]
}

/** A non-2xx answer: the problem details the API sent, or one made up for a network failure. */
export class ApiError extends Error {
  readonly problem: Problem

  constructor(problem: Problem) {
    super(problem.detail ?? problem.title)
    this.problem = problem
  }

  /** The message for one field (`errors[].path`), if the API named it. */
  fieldMessage(path: string): string | undefined {
    return this.problem.errors?.find((error) => error.path === path)?.message
  }
}

export async function problemOf(response: Response): Promise<ApiError> {
  const type = response.headers.get('content-type') ?? ''
  if (type.includes('json')) {
    try {
      return new ApiError((await response.json()) as Problem)
    } catch {
      // An unparsable body falls through to the status line.
    }
  }
  return new ApiError({
    code: 'unexpected',
    title: response.statusText || 'Request failed',
    status: response.status,
  })
}

export const NETWORK_PROBLEM: Problem = {
  code: 'network',
  title: 'Cannot reach Chatty',
  status: 0,
  detail: 'Check your connection and try again.',
}

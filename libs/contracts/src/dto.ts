import { z } from 'zod'

/** Response shapes more than one service renders (API.md "Shapes"). */

export const visibilitySchema = z.enum(['public', 'followers', 'private'])
export type Visibility = z.infer<typeof visibilitySchema>

export const publicUserSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  bio: z.string(),
  avatarUrl: z.string().nullable(),
  createdAt: z.iso.datetime(),
  followersCount: z.number().int(),
  followingCount: z.number().int(),
  postsCount: z.number().int(),
})
export type PublicUser = z.infer<typeof publicUserSchema>

export const authorSummarySchema = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  avatarUrl: z.string().nullable(),
})
export type AuthorSummary = z.infer<typeof authorSummarySchema>

export const pollSchema = z.object({
  options: z.array(z.object({ text: z.string(), votes: z.number().int() })),
  /** The sum of the options' votes (a multiple-choice voter counts once per choice). */
  totalVotes: z.number().int(),
  votersCount: z.number().int(),
  multiple: z.boolean(),
  expiresAt: z.iso.datetime(),
  closed: z.boolean(),
  /** The caller's choices; null for anonymous callers and those who have not voted. */
  myChoices: z.array(z.number().int()).nullable(),
})
export type Poll = z.infer<typeof pollSchema>
/** An uploaded picture: the re-encoded file and its preview (at most 640 px wide). */
export const mediaSchema = z.object({
  id: z.uuid(),
  type: z.literal('image'),
  url: z.string(),
  previewUrl: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  size: z.number().int().describe('Bytes of the file at `url`'),
  description: z.string().nullable().describe('Alt text'),
})
export type Media = z.infer<typeof mediaSchema>

export const postSchema = z.object({
  id: z.uuid(),
  author: authorSummarySchema,
  title: z.string().nullable(),
  content: z.string(),
  tags: z.array(z.string()),
  mentions: z.array(z.string()),
  visibility: visibilitySchema,
  likeCount: z.number().int(),
  commentCount: z.number().int(),
  repostCount: z.number().int(),
  likedByMe: z.boolean(),
  repostedByMe: z.boolean(),
  poll: pollSchema.nullable(),
  media: z.array(mediaSchema),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
})
export type Post = z.infer<typeof postSchema>

export const feedItemSchema = z.object({
  type: z.enum(['post', 'repost']),
  post: postSchema,
  repostedBy: authorSummarySchema.nullable(),
  at: z.iso.datetime(),
})
export type FeedItem = z.infer<typeof feedItemSchema>

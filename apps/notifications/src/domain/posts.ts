import type { Visibility } from '@chatty/contracts'
import type { EntityManager } from '@chatty/db'

import { db } from '../db.js'

export interface PostVersion {
  id: string
  authorId: string
  visibility: Visibility
  excerpt: string
  /** When this version was written (created or updated). */
  at: Date
}

/**
 * Records a post as of `version` unless a newer version is known; answers false when the post is
 * deleted (a tombstone left by a PostDeleted that arrived first).
 */
export async function recordPost(em: EntityManager, version: PostVersion): Promise<boolean> {
  await db(em)
    .insertInto('posts')
    .values({
      id: version.id,
      author_id: version.authorId,
      visibility: version.visibility,
      excerpt: version.excerpt,
      changed_at: version.at,
    })
    .onConflict((conflict) =>
      conflict
        .column('id')
        .doUpdateSet((eb) => ({
          visibility: eb.ref('excluded.visibility'),
          excerpt: eb.ref('excluded.excerpt'),
          changed_at: eb.ref('excluded.changed_at'),
        }))
        .where('posts.changed_at', '<', version.at),
    )
    .execute()
  return !(await isPostDeleted(em, version.id))
}

/** Leaves a tombstone for a deleted post (known or not yet). */
export async function recordPostDeletion(
  em: EntityManager,
  input: { id: string; authorId: string; at: Date },
): Promise<void> {
  await db(em)
    .insertInto('posts')
    .values({
      id: input.id,
      author_id: input.authorId,
      visibility: 'private',
      excerpt: '',
      changed_at: input.at,
      deleted_at: input.at,
    })
    .onConflict((conflict) =>
      conflict.column('id').doUpdateSet((eb) => ({
        deleted_at: eb.fn.coalesce('posts.deleted_at', 'excluded.deleted_at'),
      })),
    )
    .execute()
}

export async function isPostDeleted(em: EntityManager, postId: string): Promise<boolean> {
  const post = await db(em)
    .selectFrom('posts')
    .select('deleted_at')
    .where('id', '=', postId)
    .executeTakeFirst()
  return post?.deleted_at != null
}

/** A live post's author and visibility, when known. */
export function findPost(
  em: EntityManager,
  postId: string,
): Promise<{ author_id: string; visibility: Visibility } | undefined> {
  return db(em)
    .selectFrom('posts')
    .select(['author_id', 'visibility'])
    .where('id', '=', postId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
}

/**
 * The accounts a mention of `usernames` notifies: known and not deleted, not the actor, and
 * allowed to see the post (anyone for a public post; the author and their followers for a
 * followers-only one; only the author for a private one).
 */
export async function mentionedRecipients(
  em: EntityManager,
  input: {
    usernames: readonly string[]
    actorId: string
    post: { authorId: string; visibility: Visibility }
  },
): Promise<string[]> {
  if (input.usernames.length === 0) return []
  const { authorId, visibility } = input.post
  const names = [...new Set(input.usernames.map((name) => name.toLowerCase()))]
  const found = await db(em)
    .selectFrom('users')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['username']), 'in', names))
    .where('status', '<>', 'deleted')
    .where('id', '<>', input.actorId)
    .execute()
  const ids = found.map((user) => user.id)
  if (visibility === 'public') return ids
  if (visibility === 'private' || ids.length === 0) return ids.filter((id) => id === authorId)
  const followers = await db(em)
    .selectFrom('follows')
    .select('follower_id')
    .where('followee_id', '=', authorId)
    .where('follower_id', 'in', ids)
    .where('following', '=', true)
    .execute()
  const allowed = new Set([authorId, ...followers.map((follow) => follow.follower_id)])
  return ids.filter((id) => allowed.has(id))
}

import type { AuthorSummary, MessageData, PostLiked } from '@chatty/contracts'
import { type EntityManager, preparedQuery } from '@chatty/db'
import { type Expression, sql } from 'kysely'

import { db } from '../db.js'
import { type FeedEntry, feedMember, parseFeedMember } from './feed-page.js'
import { isShownUserAt } from './users.js'

/** A like or repost event: the pair, and when it changed (which orders the events of a pair). */
export type Reaction = MessageData<typeof PostLiked>

/**
 * Records the like state of a pair unless a newer one is stored already; duplicates and events
 * that arrive after a newer one change nothing.
 */
export async function recordLike(
  em: EntityManager,
  reaction: Reaction,
  liked: boolean,
): Promise<void> {
  await db(em)
    .insertInto('likes')
    .values({
      user_id: reaction.userId,
      post_id: reaction.postId,
      liked,
      changed_at: new Date(reaction.at),
    })
    .onConflict((conflict) =>
      conflict
        .columns(['user_id', 'post_id'])
        .doUpdateSet((eb) => ({
          liked: eb.ref('excluded.liked'),
          changed_at: eb.ref('excluded.changed_at'),
        }))
        .where((eb) => eb('likes.changed_at', '<', eb.ref('excluded.changed_at'))),
    )
    .execute()
}

/** A repost state that was applied, and what it replaced. */
export interface RepostChange {
  /** Whether the pair was reposted before. */
  wasReposted: boolean
  /** The time of the repost replaced, when `wasReposted`: its feed entries carry it. */
  previousAt: Date | null
}

/**
 * Records the repost state of a pair unless a newer one is stored already; answers what it
 * replaced, or null when the event changed nothing (a duplicate, or older than the stored state).
 * The caller holds the reposter's row lock, so two events of one pair never race here.
 */
export async function recordRepost(
  em: EntityManager,
  reaction: Reaction,
  reposted: boolean,
): Promise<RepostChange | null> {
  const at = new Date(reaction.at)
  const current = await db(em)
    .selectFrom('reposts')
    .select(['reposted', 'changed_at'])
    .where('user_id', '=', reaction.userId)
    .where('post_id', '=', reaction.postId)
    .executeTakeFirst()
  if (current && current.changed_at >= at) return null
  await db(em)
    .insertInto('reposts')
    .values({
      user_id: reaction.userId,
      post_id: reaction.postId,
      reposted,
      changed_at: at,
    })
    .onConflict((conflict) =>
      conflict.columns(['user_id', 'post_id']).doUpdateSet({ reposted, changed_at: at }),
    )
    .execute()
  const wasReposted = current?.reposted ?? false
  return { wasReposted, previousAt: wasReposted ? (current?.changed_at ?? null) : null }
}

/** What one page of a feed looks like to its reader. */
export interface ReaderView {
  /** Post ids of the page the reader likes. */
  likedByMe: Set<string>
  /** Post ids of the page the reader has reposted. */
  repostedByMe: Set<string>
  /** The reader's choices in the polls of the page, by post id (absent: not voted). */
  myChoices: Map<string, number[]>
  /**
   * The repost entries of the page to show, by member, with their reposter. A repost entry not
   * here is not shown: undone, its reposter banned, deleted or no longer followed, or the post
   * reaches the reader earlier another way (see `readerViewOf`).
   */
  reposters: Map<string, AuthorSummary>
}

interface PageEntry {
  post_id: string
  reposter_id: string | null
  at: Date
}

/** What the query of a page's view is run with. */
interface PageViewValues {
  readerId: string
  postIds: string[]
  reposterIds: (string | null)[]
  times: Date[]
  now: Date
}

/**
 * The query of `readerViewOf`, with or without the part that decides which reposts show. Most
 * pages hold no repost, and that part costs PostgreSQL more to plan than the rest of the page
 * costs to read.
 */
const pageViewQuery = preparedQuery(
  (em, values: PageViewValues, { withReposts }: { withReposts: boolean }) => {
    // `now` is read only where the repost part uses it: a value read must reach the query.
    const { readerId, postIds, reposterIds, times } = values
    const page =
      sql<PageEntry>`unnest(${postIds}::uuid[], ${reposterIds}::uuid[], ${times}::timestamptz[])`.as<'e'>(
        sql`e(post_id, reposter_id, at)`,
      )
    return db(em)
      .selectFrom(page)
      .select((eb) => [
        'e.post_id',
        'e.reposter_id',
        eb
          .exists(
            eb
              .selectFrom('likes as l')
              .select(eb.lit(1).as('one'))
              .where('l.user_id', '=', readerId)
              .whereRef('l.post_id', '=', 'e.post_id')
              .where('l.liked', '=', true),
          )
          .as('liked_by_me'),
        eb
          .exists(
            eb
              .selectFrom('reposts as mine')
              .select(eb.lit(1).as('one'))
              .where('mine.user_id', '=', readerId)
              .whereRef('mine.post_id', '=', 'e.post_id')
              .where('mine.reposted', '=', true),
          )
          .as('reposted_by_me'),
        eb
          .selectFrom('poll_votes as pv')
          .select('pv.choices')
          .where('pv.user_id', '=', readerId)
          .whereRef('pv.post_id', '=', 'e.post_id')
          .as('my_choices'),
      ])
      .$if(withReposts, (query) =>
        query.leftJoin('users as ru', 'ru.id', 'e.reposter_id').select((eb) => {
          /** Whether the reader's feed holds what `account` posts: their own, or a followee's. */
          const readerSees = (account: Expression<string | null>) =>
            eb.or([
              eb(account, '=', readerId),
              eb.exists(
                eb
                  .selectFrom('follows as f')
                  .select(eb.lit(1).as('one'))
                  .where('f.follower_id', '=', readerId)
                  .where('f.followee_id', '=', account),
              ),
            ])
          return [
            'ru.username',
            'ru.display_name',
            'ru.avatar_url',
            eb
              .and([
                eb('e.reposter_id', 'is not', null),
                isShownUserAt(eb, 'ru', values.now),
                eb.exists(
                  eb
                    .selectFrom('reposts as r')
                    .select(eb.lit(1).as('one'))
                    .whereRef('r.user_id', '=', 'e.reposter_id')
                    .whereRef('r.post_id', '=', 'e.post_id')
                    .where('r.reposted', '=', true),
                ),
                readerSees(eb.ref('e.reposter_id')),
                // The original comes first whenever the reader's feed has it.
                eb.not(
                  eb.exists(
                    eb
                      .selectFrom('posts as p')
                      .select(eb.lit(1).as('one'))
                      .whereRef('p.id', '=', 'e.post_id')
                      .where((inner) => readerSees(inner.ref('p.author_id'))),
                  ),
                ),
                // So does an earlier repost that the reader's feed shows.
                eb.not(
                  eb.exists(
                    eb
                      .selectFrom('reposts as earlier')
                      .innerJoin('users as v', 'v.id', 'earlier.user_id')
                      .select(eb.lit(1).as('one'))
                      .whereRef('earlier.post_id', '=', 'e.post_id')
                      .where('earlier.reposted', '=', true)
                      .where((inner) =>
                        inner.or([
                          inner('earlier.changed_at', '<', inner.ref('e.at')),
                          inner.and([
                            inner('earlier.changed_at', '=', inner.ref('e.at')),
                            inner('earlier.user_id', '<', inner.ref('e.reposter_id').$notNull()),
                          ]),
                        ]),
                      )
                      .where((inner) => isShownUserAt(inner, 'v', values.now))
                      .where((inner) => readerSees(inner.ref('earlier.user_id'))),
                  ),
                ),
              ])
              .as('shown_as_repost'),
          ]
        }),
      )
  },
)

/**
 * The reader-dependent part of one feed page, in one query whatever the page holds: the
 * `likedByMe` and `repostedByMe` flags, the reader's poll choices, and which repost entries to
 * show. A post reaches a feed once: of its entries the earliest wins (the original when the
 * reader follows its author or wrote it, else the earliest repost by an account they follow or by
 * themselves). A repost entry is shown when it is still standing, its reposter is in good standing
 * and still followed, and no earlier entry of the post exists; undoing the winning repost thus
 * shows the next one.
 */
export async function readerViewOf(
  em: EntityManager,
  input: { readerId: string; entries: readonly FeedEntry[]; now: Date },
): Promise<ReaderView> {
  const view: ReaderView = {
    likedByMe: new Set(),
    repostedByMe: new Set(),
    myChoices: new Map(),
    reposters: new Map(),
  }
  if (input.entries.length === 0) return view
  const { readerId, now } = input
  const members = input.entries.map((entry) => parseFeedMember(entry.id))
  const postIds = members.map((member) => member.postId)
  const reposterIds = members.map((member) => member.reposterId)
  const times = input.entries.map((entry) => new Date(entry.at))
  const rows = await pageViewQuery(
    em,
    { readerId, postIds, reposterIds, times, now },
    { withReposts: reposterIds.some((id) => id !== null) },
  )
  for (const row of rows) {
    if (row.liked_by_me) view.likedByMe.add(row.post_id)
    if (row.reposted_by_me) view.repostedByMe.add(row.post_id)
    if (row.my_choices) view.myChoices.set(row.post_id, row.my_choices)
    if (row.shown_as_repost && row.reposter_id !== null && row.username) {
      view.reposters.set(feedMember(row.post_id, row.reposter_id), {
        id: row.reposter_id,
        username: row.username,
        displayName: row.display_name ?? '',
        avatarUrl: row.avatar_url ?? null,
      })
    }
  }
  return view
}

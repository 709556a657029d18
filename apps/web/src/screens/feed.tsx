import { useEffect, useState } from 'preact/hooks'

import type { FeedItem, Page, Post } from '../api.js'
import { Composer } from '../components/composer.js'
import { MoreBelow } from '../components/lists.js'
import { PostCard } from '../components/post-card.js'
import { useMe, usePagedList, useTitle } from '../hooks.js'
import { Link } from '../router.js'
import { apiJson } from '../session.js'

function feedItemOf(post: Post): FeedItem {
  return { type: 'post', post, repostedBy: null, at: post.createdAt }
}

const NEW_POSTS_POLL_MS = 20_000

function feedKey(item: FeedItem): string {
  return `${item.type}-${item.post.id}-${item.repostedBy?.id ?? ''}`
}

/** Items newer than the top of `shown`, checked while the page is visible. */
function useNewerItems(shown: FeedItem[], active: boolean): FeedItem[] {
  const [newer, setNewer] = useState<FeedItem[]>([])
  const top = shown[0]?.at ?? null
  useEffect(() => {
    setNewer([])
    if (!active) return
    const known = new Set(shown.map(feedKey))
    const check = () => {
      if (document.hidden) return
      apiJson<Page<FeedItem>>('/api/feed').then(
        (page) =>
          setNewer(
            page.items.filter((item) => !known.has(feedKey(item)) && (!top || item.at > top)),
          ),
        () => undefined,
      )
    }
    const timer = setInterval(check, NEW_POSTS_POLL_MS)
    return () => clearInterval(timer)
  }, [top, active])
  return newer
}

/** Signed in: the home feed with the composer. Signed out: the public timeline. */
export function HomeScreen() {
  const me = useMe()
  useTitle(me ? 'Home' : 'Public timeline')
  const feed = usePagedList<FeedItem>(me ? '/api/feed' : null)
  const timeline = usePagedList<Post>(me ? null : '/api/posts')
  const newer = useNewerItems(feed.items, me !== null && !feed.loading)
  if (!me) {
    return (
      <main>
        <h1>Public timeline</h1>
        <p>
          <Link href="/register">Create an account</Link> or <Link href="/login">log in</Link> to
          post and follow people.
        </p>
        <PostList list={timeline} empty="Nobody has posted yet." />
      </main>
    )
  }
  const replace = (post: Post) =>
    feed.update((items) =>
      items.map((item) => (item.post.id === post.id ? { ...item, post } : item)),
    )
  return (
    <main>
      <h1>Home</h1>
      {me.emailVerified ? (
        <Composer onPosted={(post) => feed.update((items) => [feedItemOf(post), ...items])} />
      ) : (
        <p class="notice">
          <Link href={`/verify-email?email=${encodeURIComponent(me.email)}`}>
            Verify your email
          </Link>{' '}
          to post.
        </p>
      )}
      <section aria-label="Home feed">
        {newer.length > 0 ? (
          <button
            type="button"
            class="secondary new-posts"
            onClick={() => feed.update((items) => [...newer, ...items])}
          >
            Show {newer.length} new {newer.length === 1 ? 'post' : 'posts'}
          </button>
        ) : null}
        {feed.items.map((item) => (
          <PostCard
            key={feedKey(item)}
            post={item.post}
            repostedBy={item.repostedBy}
            onChange={replace}
            onDelete={() =>
              feed.update((items) => items.filter((other) => other.post.id !== item.post.id))
            }
          />
        ))}
        <MoreBelow list={feed} empty="Your feed is empty. Post something or follow people." />
      </section>
    </main>
  )
}

export function PostList({
  list,
  empty,
}: {
  list: ReturnType<typeof usePagedList<Post>>
  empty: string
}) {
  return (
    <section aria-label="Posts">
      {list.items.map((post) => (
        <PostCard
          key={post.id}
          post={post}
          onChange={(changed) =>
            list.update((items) => items.map((item) => (item.id === changed.id ? changed : item)))
          }
          onDelete={() => list.update((items) => items.filter((item) => item.id !== post.id))}
        />
      ))}
      <MoreBelow list={list} empty={empty} />
    </section>
  )
}

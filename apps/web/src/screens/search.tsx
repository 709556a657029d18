import { useState } from 'preact/hooks'

import type { Post, PublicUser } from '../api.js'
import { Field, ProblemMessage } from '../components/forms.js'
import { MoreBelow } from '../components/lists.js'
import { usePagedList, useResource, useTitle } from '../hooks.js'
import { Link, navigate } from '../router.js'
import { PostList } from './feed.js'
import { UserList } from './profile.js'

function TrendingTags() {
  const [loaded] = useResource<{ items: { tag: string; count: number }[] }>(
    '/api/posts/trending-tags',
  )
  return (
    <section aria-labelledby="trending-heading">
      <h2 id="trending-heading">Trending tags</h2>
      {loaded.state === 'loading' ? <p role="status">Loading…</p> : null}
      {loaded.state === 'failed' ? <ProblemMessage error={loaded.error} /> : null}
      {loaded.state === 'ready' ? (
        loaded.value.items.length === 0 ? (
          <p class="empty">No tags in the last 24 hours.</p>
        ) : (
          <ul class="tags">
            {loaded.value.items.map((item) => (
              <li key={item.tag}>
                <Link href={`/tags/${encodeURIComponent(item.tag)}`}>#{item.tag}</Link>{' '}
                <span class="muted">
                  {item.count} {item.count === 1 ? 'person' : 'people'}
                </span>
              </li>
            ))}
          </ul>
        )
      ) : null}
    </section>
  )
}

function Results({ q }: { q: string }) {
  const people = usePagedList<PublicUser>(`/api/users?q=${encodeURIComponent(q)}&limit=5`)
  const posts = usePagedList<Post>(`/api/posts?q=${encodeURIComponent(q)}`)
  return (
    <>
      <section aria-labelledby="people-heading">
        <h2 id="people-heading">People</h2>
        <UserList users={people.items} />
        <MoreBelow list={people} empty="Nobody by that name." />
      </section>
      <h2>Posts</h2>
      <PostList list={posts} empty="No posts match." />
    </>
  )
}

export function SearchScreen({ query }: { query: URLSearchParams }) {
  useTitle(query.get('q') ? `Search: ${query.get('q')}` : 'Search')
  const q = query.get('q') ?? ''
  const [text, setText] = useState(q)
  const submit = (event: Event) => {
    event.preventDefault()
    navigate(`/search?q=${encodeURIComponent(text.trim())}`)
  }
  return (
    <main>
      <h1>Search</h1>
      <form role="search" class="filters" onSubmit={submit}>
        <Field
          label="Search posts and people"
          name="q"
          type="search"
          value={text}
          onInput={(event) => setText((event.currentTarget as HTMLInputElement).value)}
        />
        <button type="submit" disabled={text.trim() === ''}>
          Search
        </button>
      </form>
      {q ? <Results key={q} q={q} /> : <TrendingTags />}
    </main>
  )
}

export function TagScreen({ tag }: { tag: string }) {
  useTitle(`#${tag}`)
  const posts = usePagedList<Post>(`/api/posts?tag=${encodeURIComponent(tag)}`)
  return (
    <main>
      <h1>#{tag}</h1>
      <PostList list={posts} empty="No posts with this tag." />
    </main>
  )
}

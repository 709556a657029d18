import { useState } from 'preact/hooks'

import type { ApiError, Post, PublicUser } from '../api.js'
import { Avatar } from '../components/avatar.js'
import { ProblemMessage } from '../components/forms.js'
import { MoreBelow } from '../components/lists.js'
import { ReportButton } from '../components/report.js'
import { asApiError, useMe, usePagedList, useResource, useTitle } from '../hooks.js'
import { Link } from '../router.js'
import { apiJson } from '../session.js'
import { PostList } from './feed.js'

function FollowButton({ user, onChange }: { user: PublicUser; onChange(user: PublicUser): void }) {
  const [error, setError] = useState<ApiError | null>(null)
  const toggle = () => {
    const following = user.following === true
    apiJson<{ following: boolean }>(`/api/subscriptions/${encodeURIComponent(user.username)}`, {
      method: following ? 'DELETE' : 'POST',
    }).then(
      (result) =>
        onChange({
          ...user,
          following: result.following,
          followersCount:
            user.followersCount + (result.following === following ? 0 : following ? -1 : 1),
        }),
      (failure: unknown) => setError(asApiError(failure)),
    )
  }
  return (
    <>
      <button type="button" aria-pressed={user.following === true} onClick={toggle}>
        {user.following ? 'Unfollow' : 'Follow'}
      </button>
      <ProblemMessage error={error} />
    </>
  )
}

export function ProfileScreen({ username }: { username: string }) {
  useTitle(`@${username}`)
  const me = useMe()
  const path = `/api/users/${encodeURIComponent(username)}`
  const [loaded, , replace] = useResource<PublicUser>(path, me?.id)
  const posts = usePagedList<Post>(`/api/posts?author=${encodeURIComponent(username)}`)
  if (loaded.state === 'loading')
    return (
      <main>
        <p role="status">Loading…</p>
      </main>
    )
  if (loaded.state === 'failed') {
    return (
      <main>
        <h1>@{username}</h1>
        <ProblemMessage error={loaded.error} />
      </main>
    )
  }
  const user = loaded.value
  const isMe = me?.id === user.id
  return (
    <main>
      <section class="profile" aria-label="Profile">
        <Avatar url={user.avatarUrl} alt="" />
        <h1>
          {user.displayName} <span class="muted">@{user.username}</span>
        </h1>
        {user.bio ? <p class="content">{user.bio}</p> : null}
        <p>
          <Link href={`/users/${user.username}/followers`}>
            <span class="followers-count">{user.followersCount}</span> followers
          </Link>
          {' · '}
          <Link href={`/users/${user.username}/following`}>{user.followingCount} following</Link>
          {' · '}
          {user.postsCount} posts
          {user.followedBy ? <span class="muted"> · follows you</span> : null}
        </p>
        {me && !isMe && me.emailVerified ? <FollowButton user={user} onChange={replace} /> : null}
        {me && !isMe ? <ReportButton target={{ userId: user.id }} label="Report user" /> : null}
      </section>
      <h2>Posts</h2>
      <PostList list={posts} empty="No posts yet." />
    </main>
  )
}

export function ConnectionsScreen({
  username,
  direction,
}: {
  username: string
  direction: 'followers' | 'following'
}) {
  const list = usePagedList<PublicUser>(
    `/api/subscriptions/${encodeURIComponent(username)}/${direction}`,
  )
  return (
    <main>
      <h1>
        {direction === 'followers' ? 'Followers of' : 'Followed by'}{' '}
        <Link href={`/users/${username}`}>@{username}</Link>
      </h1>
      <UserList users={list.items} />
      <MoreBelow
        list={list}
        empty={direction === 'followers' ? 'No followers yet.' : 'Follows nobody yet.'}
      />
    </main>
  )
}

export function UserList({ users }: { users: PublicUser[] }) {
  return (
    <ul class="users">
      {users.map((user) => (
        <li key={user.id}>
          <Link href={`/users/${user.username}`}>
            <strong>{user.displayName}</strong> <span class="muted">@{user.username}</span>
          </Link>
          {user.bio ? <p class="content">{user.bio}</p> : null}
        </li>
      ))}
    </ul>
  )
}

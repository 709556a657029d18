import { useState } from 'preact/hooks'

import type { ApiError, Poll, Post, Visibility } from '../api.js'
import { asApiError, useMe } from '../hooks.js'
import { pictureSource } from '../media-url.js'
import { Link } from '../router.js'
import { apiFetch, apiJson, jsonBody } from '../session.js'
import { Field, ProblemMessage, VisibilityField } from './forms.js'
import { ReportButton, TakedownButton } from './report.js'
import { RichText } from './rich-text.js'

export function formatTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

function PollView({ post, onChange }: { post: Post; onChange(poll: Poll): void }) {
  const me = useMe()
  const poll = post.poll as Poll
  const [choices, setChoices] = useState<number[]>([])
  const [error, setError] = useState<ApiError | null>(null)
  const canVote = me && me.id !== post.author.id && !poll.closed && poll.myChoices === null
  const vote = (event: Event) => {
    event.preventDefault()
    apiJson<Poll>(`/api/posts/${post.id}/poll/votes`, jsonBody('POST', { choices })).then(
      onChange,
      (failure: unknown) => setError(asApiError(failure)),
    )
  }
  if (!canVote) {
    return (
      <ul class="poll-results" aria-label="Poll results">
        {poll.options.map((option, index) => (
          <li key={index}>
            <span>
              {option.text}
              {poll.myChoices?.includes(index) ? ' (your vote)' : ''}
            </span>
            <span>
              {option.votes} vote{option.votes === 1 ? '' : 's'}
            </span>
          </li>
        ))}
        <li class="muted">
          {poll.totalVotes} in total ·{' '}
          {poll.closed ? 'closed' : `closes ${formatTime(poll.expiresAt)}`}
        </li>
      </ul>
    )
  }
  return (
    <form class="poll" onSubmit={vote}>
      <fieldset>
        <legend>Poll{poll.multiple ? ' (choose any)' : ''}</legend>
        {poll.options.map((option, index) => (
          <label key={index}>
            <input
              type={poll.multiple ? 'checkbox' : 'radio'}
              name={`poll-${post.id}`}
              checked={choices.includes(index)}
              onChange={(event) => {
                const on = (event.currentTarget as HTMLInputElement).checked
                setChoices((previous) =>
                  poll.multiple
                    ? on
                      ? [...previous, index]
                      : previous.filter((choice) => choice !== index)
                    : [index],
                )
              }}
            />{' '}
            {option.text}
          </label>
        ))}
      </fieldset>
      <ProblemMessage error={error} />
      <button type="submit" disabled={choices.length === 0}>
        Vote
      </button>
    </form>
  )
}

function EditPost({
  post,
  onSaved,
  onCancel,
}: {
  post: Post
  onSaved(post: Post): void
  onCancel(): void
}) {
  const [title, setTitle] = useState(post.title ?? '')
  const [content, setContent] = useState(post.content)
  const [visibility, setVisibility] = useState<Visibility>(post.visibility)
  const [error, setError] = useState<ApiError | null>(null)
  const submit = (event: Event) => {
    event.preventDefault()
    apiJson<Post>(
      `/api/posts/${post.id}`,
      // A blank title removes it (API: a blank title or null removes it).
      jsonBody('PATCH', { content, visibility, title }),
    ).then(onSaved, (failure: unknown) => setError(asApiError(failure)))
  }
  return (
    <form class="edit-post" onSubmit={submit} aria-label="Edit post">
      <ProblemMessage error={error} fields={['title', 'content']} />
      <Field
        label="Title (optional)"
        name="title"
        value={title}
        maxLength={100}
        error={error}
        onInput={(event) => setTitle((event.currentTarget as HTMLInputElement).value)}
      />
      <Field
        label="Text"
        name="content"
        multiline
        value={content}
        maxLength={1000}
        error={error}
        onInput={(event) => setContent((event.currentTarget as HTMLTextAreaElement).value)}
      />
      <div class="composer-bar">
        <VisibilityField value={visibility} onChange={setVisibility} />
        <button type="submit" disabled={content.trim() === ''}>
          Save
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  )
}

/** One post; its text is rendered as text nodes only, never as HTML. */
export function PostCard({
  post,
  repostedBy,
  onChange,
  onDelete,
  linkToPost = true,
}: {
  post: Post
  repostedBy?: { username: string; displayName: string } | null
  onChange(post: Post): void
  onDelete(): void
  linkToPost?: boolean
}) {
  const me = useMe()
  const [error, setError] = useState<ApiError | null>(null)
  const [editing, setEditing] = useState(false)
  const fail = (failure: unknown) => setError(asApiError(failure))
  const mine = me?.id === post.author.id
  const canModerate = me?.role === 'moderator' || me?.role === 'admin'

  const toggleLike = () => {
    const method = post.likedByMe ? 'DELETE' : 'POST'
    apiJson<{ liked: boolean; likeCount: number }>(`/api/posts/${post.id}/like`, {
      method,
    }).then(
      (result) => onChange({ ...post, likedByMe: result.liked, likeCount: result.likeCount }),
      fail,
    )
  }
  const toggleRepost = () => {
    const method = post.repostedByMe ? 'DELETE' : 'POST'
    apiJson<{ reposted: boolean; repostCount: number }>(`/api/posts/${post.id}/repost`, {
      method,
    }).then(
      (result) =>
        onChange({ ...post, repostedByMe: result.reposted, repostCount: result.repostCount }),
      fail,
    )
  }
  const remove = () => {
    if (!confirm('Delete this post?')) return
    apiFetch(`/api/posts/${post.id}`, { method: 'DELETE' }).then(onDelete, fail)
  }

  return (
    <article class="post" aria-label={`Post by ${post.author.displayName}`}>
      {repostedBy ? (
        <p class="muted">
          Reposted by <Link href={`/users/${repostedBy.username}`}>{repostedBy.displayName}</Link>
        </p>
      ) : null}
      <header>
        <Link href={`/users/${post.author.username}`} class="author">
          <strong>{post.author.displayName}</strong>{' '}
          <span class="muted">@{post.author.username}</span>
        </Link>
        <span class="muted">
          {' · '}
          {linkToPost ? (
            <Link href={`/posts/${post.id}`}>{formatTime(post.createdAt)}</Link>
          ) : (
            formatTime(post.createdAt)
          )}
          {post.visibility === 'public' ? '' : ` · ${post.visibility}`}
        </span>
      </header>
      {editing ? (
        <EditPost
          post={post}
          onSaved={(saved) => {
            setEditing(false)
            onChange(saved)
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <>
          {post.title ? <h2 class="post-title">{post.title}</h2> : null}
          <p class="content">
            <RichText text={post.content} tags={post.tags} mentions={post.mentions} />
          </p>
        </>
      )}
      {post.media.length > 0 ? (
        <div class="media">
          {post.media.map((media) => {
            const full = pictureSource(media.url, location.origin)
            const preview = pictureSource(media.previewUrl, location.origin)
            if (!full || !preview) return null
            return (
              <figure key={media.id}>
                <a href={full} target="_blank" rel="noopener">
                  <img
                    src={preview}
                    alt={media.description ?? ''}
                    width={media.width}
                    height={media.height}
                    loading="lazy"
                  />
                </a>
                {/* The description on demand, for those who do not get the alt read out. */}
                {media.description ? (
                  <details class="alt-text">
                    <summary aria-label="Picture description">ALT</summary>
                    <p>{media.description}</p>
                  </details>
                ) : null}
              </figure>
            )
          })}
        </div>
      ) : null}
      {post.poll ? <PollView post={post} onChange={(poll) => onChange({ ...post, poll })} /> : null}
      <ProblemMessage error={error} />
      <footer class="actions">
        {me ? (
          <button type="button" class="plain" aria-pressed={post.likedByMe} onClick={toggleLike}>
            {post.likedByMe ? 'Unlike' : 'Like'} · <span class="like-count">{post.likeCount}</span>
          </button>
        ) : (
          <span class="muted">
            Likes · <span class="like-count">{post.likeCount}</span>
          </span>
        )}
        {me && post.visibility === 'public' && !mine ? (
          <button
            type="button"
            class="plain"
            aria-pressed={post.repostedByMe}
            onClick={toggleRepost}
          >
            {post.repostedByMe ? 'Undo repost' : 'Repost'} · {post.repostCount}
          </button>
        ) : (
          <span class="muted">Reposts · {post.repostCount}</span>
        )}
        <Link href={`/posts/${post.id}`} class="action-link">
          Comments · {post.commentCount}
        </Link>
        {mine && !editing ? (
          <button type="button" class="plain" onClick={() => setEditing(true)}>
            Edit
          </button>
        ) : null}
        {mine ? (
          <button type="button" class="plain danger" onClick={remove}>
            Delete
          </button>
        ) : canModerate ? (
          <TakedownButton target={{ post: post.id }} onDone={onDelete} />
        ) : null}
        {me && !mine ? <ReportButton target={{ postId: post.id }} label="Report post" /> : null}
      </footer>
    </article>
  )
}

import { useState } from 'preact/hooks'

import type { ApiError, Comment, Post, PublicUser } from '../api.js'
import { Field, ProblemMessage } from '../components/forms.js'
import { MoreBelow } from '../components/lists.js'
import { formatTime, PostCard } from '../components/post-card.js'
import { ReportButton, TakedownButton } from '../components/report.js'
import { asApiError, useMe, usePagedList, useResource, useTitle } from '../hooks.js'
import { Link, navigate } from '../router.js'
import { apiFetch, apiJson, jsonBody } from '../session.js'
import { UserList } from './profile.js'

function CommentForm({
  postId,
  parentId,
  onPosted,
  label,
}: {
  postId: string
  parentId: string | null
  onPosted(comment: Comment): void
  label: string
}) {
  const [content, setContent] = useState('')
  const [error, setError] = useState<ApiError | null>(null)
  const submit = (event: Event) => {
    event.preventDefault()
    apiJson<Comment>(
      `/api/posts/${postId}/comments`,
      jsonBody('POST', { content, ...(parentId ? { parentId } : {}) }),
    ).then(
      (comment) => {
        setContent('')
        setError(null)
        onPosted(comment)
      },
      (failure: unknown) => setError(asApiError(failure)),
    )
  }
  return (
    <form class="comment-form" onSubmit={submit}>
      <ProblemMessage error={error} fields={['content']} />
      <Field
        label={label}
        name="content"
        multiline
        value={content}
        maxLength={1000}
        error={error}
        onInput={(event) => setContent((event.currentTarget as HTMLTextAreaElement).value)}
      />
      <button type="submit" disabled={content.trim() === ''}>
        Comment
      </button>
    </form>
  )
}

function CommentThread({
  comment,
  post,
  children,
  onPosted,
  onEdited,
  onDeleted,
}: {
  comment: Comment
  post: Post
  children: Comment[][]
  onPosted(comment: Comment): void
  onEdited(comment: Comment): void
  onDeleted(id: string): void
}) {
  const me = useMe()
  const [replying, setReplying] = useState(false)
  const [editing, setEditing] = useState(false)
  const [draft, setDraft] = useState(comment.content)
  const [error, setError] = useState<ApiError | null>(null)
  const saveEdit = (event: Event) => {
    event.preventDefault()
    apiJson<Comment>(
      `/api/posts/${post.id}/comments/${comment.id}`,
      jsonBody('PATCH', { content: draft }),
    ).then(
      (saved) => {
        setEditing(false)
        setError(null)
        onEdited(saved)
      },
      (failure: unknown) => setError(asApiError(failure)),
    )
  }
  const replies = children.find((group) => group[0]?.parentId === comment.id) ?? []
  // The comment's author and the post's author delete it; a moderator takes it down (audited).
  const canDelete = me !== null && (me.id === comment.author.id || me.id === post.author.id)
  const canTakeDown = !canDelete && (me?.role === 'moderator' || me?.role === 'admin')
  return (
    <li class="comment" id={comment.id}>
      <p>
        <Link href={`/users/${comment.author.username}`}>
          <strong>{comment.author.displayName}</strong>
        </Link>{' '}
        <span class="muted">
          @{comment.author.username} · {formatTime(comment.createdAt)}
        </span>
      </p>
      {editing ? (
        <form onSubmit={saveEdit} aria-label="Edit comment">
          <ProblemMessage error={error} fields={['content']} />
          <Field
            label="Comment"
            name="content"
            multiline
            value={draft}
            maxLength={1000}
            error={error}
            onInput={(event) => setDraft((event.currentTarget as HTMLTextAreaElement).value)}
          />
          <button type="submit" disabled={draft.trim() === ''}>
            Save
          </button>{' '}
          <button type="button" class="secondary" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <>
          <p class="content">{comment.content}</p>
          <ProblemMessage error={error} />
        </>
      )}
      <div class="actions">
        {me ? (
          <button type="button" class="plain" onClick={() => setReplying(!replying)}>
            Reply
          </button>
        ) : null}
        {me?.id === comment.author.id && !editing ? (
          <button
            type="button"
            class="plain"
            onClick={() => {
              setDraft(comment.content)
              setEditing(true)
            }}
          >
            Edit
          </button>
        ) : null}
        {canDelete ? (
          <button
            type="button"
            class="plain danger"
            onClick={() =>
              apiFetch(`/api/posts/${post.id}/comments/${comment.id}`, { method: 'DELETE' }).then(
                () => onDeleted(comment.id),
                (failure: unknown) => setError(asApiError(failure)),
              )
            }
          >
            Delete
          </button>
        ) : canTakeDown ? (
          <TakedownButton target={{ comment: comment.id }} onDone={() => onDeleted(comment.id)} />
        ) : null}
        {me && me.id !== comment.author.id ? (
          <ReportButton target={{ commentId: comment.id }} label="Report comment" />
        ) : null}
      </div>
      {replying ? (
        <CommentForm
          postId={post.id}
          parentId={comment.id}
          label={`Reply to ${comment.author.displayName}`}
          onPosted={(reply) => {
            setReplying(false)
            onPosted(reply)
          }}
        />
      ) : null}
      {replies.length > 0 ? (
        <ul class="replies">
          {replies.map((reply) => (
            <CommentThread
              key={reply.id}
              comment={reply}
              post={post}
              children={children}
              onPosted={onPosted}
              onEdited={onEdited}
              onDeleted={onDeleted}
            />
          ))}
        </ul>
      ) : null}
    </li>
  )
}

function Likers({ postId, count }: { postId: string; count: number }) {
  const [open, setOpen] = useState(false)
  const likers = usePagedList<PublicUser>(open ? `/api/posts/${postId}/likes` : null)
  if (count === 0) return null
  if (!open) {
    return (
      <button type="button" class="secondary" onClick={() => setOpen(true)}>
        Who liked this
      </button>
    )
  }
  return (
    <section aria-labelledby="likers-heading">
      <h2 id="likers-heading">Liked by</h2>
      <UserList users={likers.items} />
      <MoreBelow list={likers} empty="Nobody likes this any more." />
    </section>
  )
}

export function PostScreen({ id }: { id: string }) {
  useTitle('Post')
  const me = useMe()
  const [loaded, , replace] = useResource<Post>(`/api/posts/${id}`)
  const comments = usePagedList<Comment>(`/api/posts/${id}/comments?limit=100`)
  if (loaded.state === 'loading')
    return (
      <main>
        <p role="status">Loading…</p>
      </main>
    )
  if (loaded.state === 'failed') {
    return (
      <main>
        <h1>Post</h1>
        <ProblemMessage error={loaded.error} />
      </main>
    )
  }
  const post = loaded.value
  const byParent = new Map<string, Comment[]>()
  for (const comment of comments.items) {
    if (!comment.parentId) continue
    byParent.set(comment.parentId, [...(byParent.get(comment.parentId) ?? []), comment])
  }
  const children = [...byParent.values()]
  const known = new Set(comments.items.map((comment) => comment.id))
  // A reply whose parent is gone is shown at the top level rather than lost.
  const roots = comments.items.filter(
    (comment) => !comment.parentId || !known.has(comment.parentId),
  )
  const added = (comment: Comment) => {
    comments.update((items) => [...items, comment])
    replace({ ...post, commentCount: post.commentCount + 1 })
  }
  const edited = (changed: Comment) =>
    comments.update((items) => items.map((item) => (item.id === changed.id ? changed : item)))
  const deleted = (commentId: string) =>
    comments.update((items) => items.filter((comment) => comment.id !== commentId))
  return (
    <main>
      <h1 class="visually-hidden">Post by {post.author.displayName}</h1>
      <PostCard
        post={post}
        linkToPost={false}
        onChange={replace}
        onDelete={() => navigate('/', { replace: true })}
      />
      <Likers postId={post.id} count={post.likeCount} />
      <section aria-label="Comments">
        <h2>Comments</h2>
        {me ? (
          <CommentForm postId={post.id} parentId={null} label="Your comment" onPosted={added} />
        ) : null}
        <ul class="comments">
          {roots.map((comment) => (
            <CommentThread
              key={comment.id}
              comment={comment}
              post={post}
              children={children}
              onPosted={added}
              onEdited={edited}
              onDeleted={deleted}
            />
          ))}
        </ul>
        <MoreBelow list={comments} empty="No comments yet." />
      </section>
    </main>
  )
}

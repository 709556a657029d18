import { useEffect, useId, useState } from 'preact/hooks'

import type { ApiError, Media, Post, Visibility } from '../api.js'
import { asApiError } from '../hooks.js'
import { apiJson, jsonBody } from '../session.js'
import { Field, ProblemMessage, VisibilityField } from './forms.js'

const MAX_PICTURES = 4

interface Picture {
  file: File
  preview: string
  description: string
}

export function Composer({ onPosted }: { onPosted(post: Post): void }) {
  const [content, setContent] = useState('')
  const [visibility, setVisibility] = useState<Visibility>('public')
  const [pictures, setPictures] = useState<Picture[]>([])
  const [withPoll, setWithPoll] = useState(false)
  const [options, setOptions] = useState(['', ''])
  const [minutes, setMinutes] = useState('1440')
  const [multiple, setMultiple] = useState(false)
  const [error, setError] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)
  const filesId = useId()

  useEffect(
    () => () => {
      for (const picture of pictures) URL.revokeObjectURL(picture.preview)
    },
    [pictures],
  )

  const addFiles = (files: FileList | null) => {
    const chosen = [...(files ?? [])].slice(0, MAX_PICTURES - pictures.length)
    setPictures((previous) => [
      ...previous,
      ...chosen.map((file) => ({ file, preview: URL.createObjectURL(file), description: '' })),
    ])
  }

  const submit = async (event: Event) => {
    event.preventDefault()
    if (busy) return
    setBusy(true)
    setError(null)
    try {
      const mediaIds: string[] = []
      for (const picture of pictures) {
        const form = new FormData()
        form.append('file', picture.file)
        if (picture.description) form.append('description', picture.description)
        const media = await apiJson<Media>('/api/media', { method: 'POST', body: form })
        mediaIds.push(media.id)
      }
      const post = await apiJson<Post>(
        '/api/posts',
        jsonBody('POST', {
          content,
          visibility,
          ...(mediaIds.length > 0 ? { mediaIds } : {}),
          ...(withPoll ? { poll: { options, expiresInMinutes: Number(minutes), multiple } } : {}),
        }),
      )
      setContent('')
      setPictures([])
      setWithPoll(false)
      setOptions(['', ''])
      onPosted(post)
    } catch (failure) {
      setError(asApiError(failure))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form class="composer" onSubmit={submit} aria-label="New post">
      <ProblemMessage
        error={error}
        fields={[
          'content',
          'poll.expiresInMinutes',
          ...options.map((_, index) => `poll.options.${index}`),
        ]}
      />
      <Field
        label="What's happening?"
        name="content"
        multiline
        value={content}
        maxLength={1000}
        onInput={(event) => setContent((event.currentTarget as HTMLTextAreaElement).value)}
        error={error}
      />
      {pictures.length > 0 ? (
        <ul class="pictures">
          {pictures.map((picture, index) => (
            <li key={picture.preview}>
              <img src={picture.preview} alt="" />
              <Field
                label={`Description of picture ${index + 1} (alt text)`}
                name="description"
                value={picture.description}
                maxLength={1500}
                onInput={(event) => {
                  const description = (event.currentTarget as HTMLInputElement).value
                  setPictures((previous) =>
                    previous.map((item, at) => (at === index ? { ...item, description } : item)),
                  )
                }}
              />
              <button
                type="button"
                class="secondary"
                onClick={() => setPictures((previous) => previous.filter((_, at) => at !== index))}
              >
                Remove picture {index + 1}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {withPoll ? (
        <fieldset class="poll-editor">
          <legend>Poll</legend>
          {options.map((option, index) => (
            <Field
              key={index}
              label={`Choice ${index + 1}`}
              name={`poll.options.${index}`}
              value={option}
              maxLength={80}
              error={error}
              onInput={(event) => {
                const text = (event.currentTarget as HTMLInputElement).value
                setOptions((previous) => previous.map((item, at) => (at === index ? text : item)))
              }}
            />
          ))}
          {options.length < 4 ? (
            <button type="button" class="secondary" onClick={() => setOptions([...options, ''])}>
              Add a choice
            </button>
          ) : null}
          <Field
            label="Open for (minutes)"
            name="poll.expiresInMinutes"
            type="number"
            min={5}
            max={10080}
            value={minutes}
            error={error}
            onInput={(event) => setMinutes((event.currentTarget as HTMLInputElement).value)}
          />
          <label>
            <input
              type="checkbox"
              checked={multiple}
              onChange={(event) => setMultiple((event.currentTarget as HTMLInputElement).checked)}
            />{' '}
            Allow several choices
          </label>
        </fieldset>
      ) : null}
      <div class="composer-bar">
        <VisibilityField value={visibility} onChange={setVisibility} />
        {pictures.length < MAX_PICTURES ? (
          <>
            {/* The input stays focusable (visually hidden); its label is what people see. */}
            <input
              id={filesId}
              class="visually-hidden"
              type="file"
              accept="image/png,image/jpeg,image/webp,image/gif"
              multiple
              onChange={(event) => {
                const input = event.currentTarget as HTMLInputElement
                addFiles(input.files)
                input.value = ''
              }}
            />
            <label for={filesId} class="button secondary">
              Add pictures
            </label>
          </>
        ) : null}
        <button type="button" class="secondary" onClick={() => setWithPoll(!withPoll)}>
          {withPoll ? 'Remove poll' : 'Add a poll'}
        </button>
        <button type="submit" disabled={busy || content.trim() === ''}>
          {busy ? 'Posting…' : 'Post'}
        </button>
      </div>
    </form>
  )
}

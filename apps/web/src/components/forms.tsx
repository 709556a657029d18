import type { ComponentChildren } from 'preact'
import { useId } from 'preact/hooks'

import type { ApiError, Visibility } from '../api.js'

/**
 * The problem's title and detail, and the messages of the `errors` that no field of the form
 * (`fields`: the paths its Field components show) can show itself.
 */
export function ProblemMessage({
  error,
  fields = [],
}: {
  error: ApiError | null
  fields?: readonly string[]
}) {
  if (!error) return null
  const { title, detail, errors = [] } = error.problem
  const elsewhere = errors.filter((entry) => !fields.includes(entry.path))
  return (
    <div class="problem" role="alert">
      <p>
        <strong>{title}</strong>
        {detail ? ` — ${detail}` : ''}
      </p>
      {elsewhere.length > 0 ? (
        <ul>
          {elsewhere.map((entry, index) => (
            <li key={index}>
              {entry.path}: {entry.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  )
}

interface FieldProps {
  value: string
  onInput: (event: Event) => void
  type?: 'text' | 'email' | 'password' | 'number' | 'search' | 'url'
  required?: boolean
  autoComplete?: string
  inputMode?: 'numeric' | 'text'
  maxLength?: number
  min?: number
  max?: number
  label: string
  name: string
  error?: ApiError | null
  multiline?: boolean
  hint?: ComponentChildren
}

/** A labelled input with the API's message for this field (`errors[].path`) under it. */
export function Field({ label, name, error, multiline, hint, ...input }: FieldProps) {
  const { onInput, value, required, maxLength } = input
  const id = useId()
  const message = error?.fieldMessage(name)
  const describedBy = message ? `${id}-error` : undefined
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {multiline ? (
        <textarea
          id={id}
          name={name}
          aria-invalid={message ? true : undefined}
          aria-describedby={describedBy}
          value={value}
          maxLength={maxLength}
          required={required}
          rows={3}
          onInput={onInput}
        />
      ) : (
        <input
          id={id}
          name={name}
          aria-invalid={message ? true : undefined}
          aria-describedby={describedBy}
          // One literal type: preact's input props are a union discriminated by `type`.
          type={(input.type ?? 'text') as 'text'}
          value={value}
          onInput={onInput}
          required={required}
          maxLength={maxLength}
          autoComplete={input.autoComplete}
          inputMode={input.inputMode}
          min={input.min}
          max={input.max}
        />
      )}
      {hint ? <small>{hint}</small> : null}
      {message ? (
        <small class="field-error" id={describedBy}>
          {message}
        </small>
      ) : null}
    </div>
  )
}

/** Who may see a post: the one choice the composer and a post's edit form both offer. */
export function VisibilityField({
  value,
  onChange,
}: {
  value: Visibility
  onChange: (visibility: Visibility) => void
}) {
  const id = useId()
  return (
    <>
      <label for={id}>Visibility</label>
      <select
        id={id}
        value={value}
        onChange={(event) =>
          onChange((event.currentTarget as HTMLSelectElement).value as Visibility)
        }
      >
        <option value="public">Public</option>
        <option value="followers">Followers only</option>
        <option value="private">Only me</option>
      </select>
    </>
  )
}

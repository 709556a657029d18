import { useId, useState } from 'preact/hooks'

import type { ApiError } from '../api.js'
import { asApiError } from '../hooks.js'
import { apiFetch, apiJson, jsonBody } from '../session.js'
import { Field, ProblemMessage } from './forms.js'

/** A button that opens a small form asking for a reason, then runs `act` with it. */
function ReasonAction({
  label,
  done,
  required,
  danger,
  act,
}: {
  label: string
  done: string
  required: boolean
  danger?: boolean
  act(reason: string): Promise<unknown>
}) {
  const [open, setOpen] = useState(false)
  const [reason, setReason] = useState('')
  const [error, setError] = useState<ApiError | null>(null)
  const [finished, setFinished] = useState(false)
  const titleId = useId()
  if (finished) return <span role="status">{done}</span>
  if (!open) {
    return (
      <button type="button" class={danger ? 'plain danger' : 'plain'} onClick={() => setOpen(true)}>
        {label}
      </button>
    )
  }
  const submit = (event: Event) => {
    event.preventDefault()
    act(reason).then(
      () => setFinished(true),
      (failure: unknown) => setError(asApiError(failure)),
    )
  }
  return (
    <form class="report" onSubmit={submit} aria-labelledby={titleId}>
      <p id={titleId}>
        <strong>{label}</strong>
      </p>
      <ProblemMessage error={error} fields={['reason']} />
      <Field
        label={required ? 'Reason' : 'Reason (optional)'}
        name="reason"
        value={reason}
        onInput={(event) => setReason((event.currentTarget as HTMLInputElement).value)}
        error={error}
        required={required}
      />
      <button type="submit" class={danger ? 'danger' : undefined}>
        {label}
      </button>{' '}
      <button type="button" class="secondary" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  )
}

type ReportTarget = { postId: string } | { commentId: string } | { userId: string }

/** Reports a post, comment or user to the moderators, with a reason. */
export function ReportButton({ target, label }: { target: ReportTarget; label: string }) {
  return (
    <ReasonAction
      label={label}
      done="Reported. Thank you."
      required
      act={(reason) => apiJson('/api/reports', jsonBody('POST', { ...target, reason }))}
    />
  )
}

/** A moderator's takedown of someone's post or comment (audited, with an optional reason). */
export function TakedownButton({
  target,
  onDone,
}: {
  target: { post: string } | { comment: string }
  onDone?: () => void
}) {
  const [kind, id] = 'post' in target ? ['posts', target.post] : ['comments', target.comment]
  return (
    <ReasonAction
      label={'post' in target ? 'Take down post' : 'Take down comment'}
      done="Taken down."
      required={false}
      danger
      act={(reason) =>
        apiFetch(`/api/admin/${kind}/${id}`, jsonBody('DELETE', reason ? { reason } : {})).then(
          () => onDone?.(),
        )
      }
    />
  )
}

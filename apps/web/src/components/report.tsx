import { useId, useState } from 'preact/hooks'

import type { ApiError } from '../api.js'
import { asApiError } from '../hooks.js'
import { apiJson, jsonBody } from '../session.js'
import { Field, ProblemMessage } from './forms.js'

type Target = { postId: string } | { commentId: string } | { userId: string }

/** Reports a post, comment or user to the moderators, with a reason. */
export function ReportButton({ target, label }: { target: Target; label: string }) {
  const [open, setOpen] = useState(false)
  const [reason, setReason] = useState('')
  const [error, setError] = useState<ApiError | null>(null)
  const [sent, setSent] = useState(false)
  const titleId = useId()
  if (sent) return <span role="status">Reported. Thank you.</span>
  if (!open) {
    return (
      <button type="button" class="plain" onClick={() => setOpen(true)}>
        {label}
      </button>
    )
  }
  const submit = (event: Event) => {
    event.preventDefault()
    apiJson(`/api/reports`, jsonBody('POST', { ...target, reason })).then(
      () => setSent(true),
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
        label="Reason"
        name="reason"
        value={reason}
        onInput={(event) => setReason((event.currentTarget as HTMLInputElement).value)}
        error={error}
        required
      />
      <button type="submit">Send report</button>{' '}
      <button type="button" class="secondary" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  )
}

/**
 * Reads a timestamptz from a raw query. The driver hands them over as text
 * (`2026-11-21 03:50:55.481+00`), which is ISO-8601 once the separator and offset are fixed up.
 */
export function toDate(value: string | Date): Date {
  if (value instanceof Date) return value
  const iso = value.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) throw new Error(`Not a timestamp: ${value}`)
  return date
}

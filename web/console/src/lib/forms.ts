// Helpers for forms that post to the API.
import { ApiError } from './api'

/** The API's per-field messages, keyed by field name. */
export function fieldMessages(e: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (e instanceof ApiError) for (const f of e.fields) out[f.field] = f.message || f.code
  return out
}

/** A user-facing message for any error. */
export function messageOf(e: unknown): string {
  if (e instanceof ApiError) return e.message
  return '操作失败，请稍后再试'
}

/** The fields of `edited` that differ from `original` (arrays compared by content). */
export function changed<T extends Record<string, unknown>>(original: T, edited: T): Partial<T> {
  const out: Partial<T> = {}
  for (const k of Object.keys(edited) as (keyof T)[]) {
    const a = original[k]
    const b = edited[k]
    const same = Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((x, i) => x === b[i]) : a === b
    if (!same) out[k] = b
  }
  return out
}

/** Splits a list typed with 、，, or spaces. */
export function splitList(s: string): string[] {
  return s
    .split(/[、，,\s]+/)
    .map((x) => x.trim())
    .filter(Boolean)
}

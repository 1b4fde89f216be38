// Open311 API keys as the admin manages them: the list never carries the
// secret; the service shows it once, in the answer that issues it.

/** A key as GET /admin/open311/keys lists it. */
export interface Open311Key {
  id: string
  name: string
  created_at: string
  created_by: string
  created_by_name?: string
  revoked_at: string | null
  last_used_at: string | null
}

/** The answer of POST /admin/open311/keys: the only time the secret is seen. */
export interface IssuedKey {
  id: string
  name: string
  api_key: string
  created_at: string
}

/** Whether a key still works, in words and as a tag type. */
export function keyState(k: Pick<Open311Key, 'revoked_at'>): { label: string; type: 'success' | 'info' } {
  return k.revoked_at ? { label: '已吊销', type: 'info' } : { label: '有效', type: 'success' }
}

/** Keys in force first, each group newest first. */
export function sortKeys(keys: Open311Key[]): Open311Key[] {
  return [...keys].sort((a, b) => Number(!!a.revoked_at) - Number(!!b.revoked_at) || b.created_at.localeCompare(a.created_at))
}

// The one client of the wufei API: every request goes through `api`, which
// adds the session token, decodes the service's error format and tells the
// app when the session has ended (401) so it can return to the login page.

/** One per-field problem of a refused request. */
export interface FieldError {
  field: string
  code: string
  message?: string
}

/** An error answered by the API (or a network failure, status 0). */
export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public fields: FieldError[] = [],
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** A page of a list: `next_cursor` is empty on the last page. */
export interface Page<T> {
  items: T[]
  next_cursor: string
}

export type Query = Record<string, string | number | boolean | undefined | null>

const TOKEN_KEY = 'wufei.console.token'

type Handler = (err: ApiError) => void
let onUnauthorized: Handler = () => {}

/** Registers what happens when the API answers 401 to a logged-in request. */
export function setUnauthorizedHandler(h: Handler) {
  onUnauthorized = h
}

export function getToken(): string {
  return localStorage.getItem(TOKEN_KEY) ?? ''
}

export function setToken(token: string) {
  if (token) localStorage.setItem(TOKEN_KEY, token)
  else localStorage.removeItem(TOKEN_KEY)
}

/** Builds `/api/v1/...?...`, dropping empty query values. */
export function buildURL(path: string, query?: Query): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null || v === '') continue
    params.set(k, String(v))
  }
  const qs = params.toString()
  return '/api/v1' + path + (qs ? '?' + qs : '')
}

const statusMessages: Record<number, string> = {
  401: '登录已失效，请重新登录',
  403: '当前账号无权执行此操作',
  404: '请求的内容不存在',
  413: '文件过大',
  429: '操作过于频繁，请稍后再试',
  500: '服务器内部错误，请稍后再试',
  503: '服务暂不可用，请稍后再试',
}

/** Turns a non-2xx response into an ApiError, using the service's message when it has one. */
export async function errorFrom(res: Response): Promise<ApiError> {
  let code = 'http_' + res.status
  let message = statusMessages[res.status] ?? `请求失败（${res.status}）`
  let fields: FieldError[] = []
  try {
    const body = await res.json()
    if (body && body.error) {
      code = body.error.code ?? code
      message = body.error.message ?? message
      fields = body.error.fields ?? []
    }
  } catch {
    // Not JSON (a proxy's error page): keep the generic message.
  }
  return new ApiError(res.status, code, message, fields)
}

async function send(method: string, path: string, opts: { query?: Query; body?: unknown } = {}): Promise<Response> {
  const headers: Record<string, string> = {}
  const token = getToken()
  if (token) headers['Authorization'] = 'Bearer ' + token
  let body: BodyInit | undefined
  if (opts.body instanceof FormData) {
    body = opts.body
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  let res: Response
  try {
    res = await fetch(buildURL(path, opts.query), { method, headers, body })
  } catch {
    throw new ApiError(0, 'network_error', '网络连接失败，请检查网络后重试')
  }
  if (!res.ok) {
    const err = await errorFrom(res)
    // A stale token on a public page is ignored by the service, so a 401
    // here means the session ended (expired, revoked, or never was).
    if (res.status === 401 && token && path !== '/auth/login') onUnauthorized(err)
    throw err
  }
  return res
}

/** Calls the API and decodes its JSON answer (undefined for 204). */
export async function request<T>(method: string, path: string, opts: { query?: Query; body?: unknown } = {}): Promise<T> {
  const res = await send(method, path, opts)
  if (res.status === 204) return undefined as T
  return (await res.json()) as T
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', path, { query }),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, { body }),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, { body }),
}

/** Reads every page of a list (for the registry's short lists: 52 indicators, 83 tasks). */
export async function listAll<T>(path: string, query: Query = {}, max = 2000): Promise<T[]> {
  const out: T[] = []
  let cursor = ''
  do {
    const page = await api.get<Page<T>>(path, { ...query, limit: 100, cursor })
    out.push(...page.items)
    cursor = page.next_cursor
  } while (cursor && out.length < max)
  return out
}

/**
 * Downloads a file from the API with the session token, reporting progress
 * (0–100, or -1 when the size is unknown) and saving it under the name the
 * service gives in Content-Disposition.
 */
export async function download(path: string, query: Query, fallbackName: string, onProgress?: (pct: number) => void): Promise<{ name: string; size: number; sha256: string }> {
  const res = await send('GET', path, { query })
  const total = Number(res.headers.get('Content-Length') ?? 0)
  const chunks: Uint8Array[] = []
  let got = 0
  const reader = res.body?.getReader()
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      got += value.length
      onProgress?.(total ? Math.round((got / total) * 100) : -1)
    }
  } else {
    const buf = new Uint8Array(await res.arrayBuffer())
    chunks.push(buf)
    got = buf.length
  }
  onProgress?.(100)
  const name = filenameFrom(res.headers.get('Content-Disposition')) || fallbackName
  const blob = new Blob(chunks as BlobPart[], { type: res.headers.get('Content-Type') ?? 'application/octet-stream' })
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
  return { name, size: got, sha256: res.headers.get('X-Content-SHA256') ?? '' }
}

/** The file name of a Content-Disposition header (RFC 6266 filename* first). */
export function filenameFrom(header: string | null): string {
  if (!header) return ''
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header)
  if (star) {
    try {
      return decodeURIComponent(star[1].trim())
    } catch {
      // fall through to the plain name
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(header)
  return plain ? plain[1].trim() : ''
}

/**
 * Fetches a file the API serves only to logged-in callers (uploads) and
 * returns an object URL for an <img> or a new tab; revoke it when done.
 */
export async function blobURL(path: string): Promise<{ url: string; type: string }> {
  const res = await send('GET', path)
  const blob = await res.blob()
  return { url: URL.createObjectURL(blob), type: blob.type }
}

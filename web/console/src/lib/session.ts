// The signed-in user, shared by every page. The token lives in
// localStorage (api.ts); the user is asked of the service at start, so a
// revoked or expired session is noticed on the first load.
import { reactive } from 'vue'
import { api, ApiError, getToken, setToken } from './api'
import type { User } from './types'
import { staffRoles } from './roles'

export const session = reactive({
  user: null as User | null,
  /** Set when the session ended on its own, shown on the login page. */
  notice: '',
})

interface LoginAnswer {
  token: string
  expires_in: number
  user: User
}

/** Logs a staff user in; citizens are refused (they use the mini-program). */
export async function login(username: string, password: string): Promise<User> {
  const ans = await api.post<LoginAnswer>('/auth/login', { username, password })
  if (!staffRoles.includes(ans.user.role)) {
    setToken(ans.token)
    await api.post('/auth/logout').catch(() => {})
    setToken('')
    throw new ApiError(403, 'forbidden', '市民账号请使用小程序')
  }
  setToken(ans.token)
  session.user = ans.user
  session.notice = ''
  return ans.user
}

/** Revokes the token (best effort) and forgets the user. */
export async function logout(): Promise<void> {
  if (getToken()) await api.post('/auth/logout').catch(() => {})
  setToken('')
  session.user = null
}

/** Forgets a session the service no longer accepts, with a message for the login page. */
export function sessionEnded(message: string) {
  setToken('')
  session.user = null
  session.notice = message
}

/** Restores the user of a stored token; false when there is none or it is no longer valid. */
export async function restore(): Promise<boolean> {
  if (!getToken()) return false
  try {
    session.user = await api.get<User>('/me')
    return true
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      setToken('')
      session.user = null
    }
    return false
  }
}

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api, ApiError, buildURL, filenameFrom, listAll, setToken, setUnauthorizedHandler } from '../src/lib/api'

/** The ApiError a call failed with (the test fails when it succeeded). */
async function fail(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p
  } catch (e) {
    return e as ApiError
  }
  throw new Error('the call succeeded')
}

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } })
}

describe('api client', () => {
  let fetchMock: ReturnType<typeof vi.fn>
  beforeEach(() => {
    fetchMock = vi.fn()
    vi.stubGlobal('fetch', fetchMock)
    localStorage.clear()
    setUnauthorizedHandler(() => {})
  })
  afterEach(() => vi.unstubAllGlobals())

  it('builds URLs under /api/v1 without empty query values', () => {
    expect(buildURL('/indicators', { q: '填埋', status: '', level1: undefined, limit: 20, national_required: false })).toBe(
      '/api/v1/indicators?q=%E5%A1%AB%E5%9F%8B&limit=20&national_required=false',
    )
    expect(buildURL('/me')).toBe('/api/v1/me')
  })

  it('sends the bearer token and JSON body', async () => {
    setToken('tok-1')
    fetchMock.mockResolvedValue(json(201, { id: 'm1' }))
    const out = await api.post<{ id: string }>('/indicators/I01/measurements', { period: '2025', value: 1 })
    expect(out.id).toBe('m1')
    const [url, init] = fetchMock.mock.calls[0]
    expect(url).toBe('/api/v1/indicators/I01/measurements')
    expect(init.method).toBe('POST')
    expect(init.headers.Authorization).toBe('Bearer tok-1')
    expect(init.headers['Content-Type']).toBe('application/json')
    expect(JSON.parse(init.body)).toEqual({ period: '2025', value: 1 })
  })

  it('decodes the service error with its code, Chinese message and fields', async () => {
    fetchMock.mockResolvedValue(json(400, { error: { code: 'validation_failed', message: '请求参数有误', fields: [{ field: 'period', code: 'invalid', message: '期间格式不正确' }] } }))
    const err = await fail(api.post('/x', {}))
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(400)
    expect(err.code).toBe('validation_failed')
    expect(err.message).toBe('请求参数有误')
    expect(err.fields[0].field).toBe('period')
  })

  it('gives a Chinese message when the answer is not the service format', async () => {
    fetchMock.mockResolvedValue(new Response('<html>bad gateway</html>', { status: 503 }))
    const err = await fail(api.get('/x'))
    expect(err.code).toBe('http_503')
    expect(err.message).toMatch(/服务暂不可用/)
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'))
    const net = await fail(api.get('/x'))
    expect(net.code).toBe('network_error')
    expect(net.message).toMatch(/网络/)
  })

  it('reports a 401 of a logged-in request as an ended session, but not a failed login', async () => {
    const ended = vi.fn()
    setUnauthorizedHandler(ended)
    setToken('old')
    fetchMock.mockResolvedValue(json(401, { error: { code: 'session_invalid', message: '登录已失效，请重新登录' } }))
    await api.get('/me').catch(() => {})
    expect(ended).toHaveBeenCalledOnce()
    expect(ended.mock.calls[0][0].code).toBe('session_invalid')
    fetchMock.mockResolvedValue(json(401, { error: { code: 'invalid_credentials', message: '用户名或密码错误' } }))
    await api.post('/auth/login', {}).catch(() => {})
    expect(ended).toHaveBeenCalledOnce()
    setToken('')
    await api.get('/me').catch(() => {})
    expect(ended).toHaveBeenCalledOnce()
  })

  it('passes 403 to the caller with the service message', async () => {
    fetchMock.mockResolvedValue(json(403, { error: { code: 'not_responsible', message: '您不是该指标的责任部门' } }))
    const err = await fail(api.post('/indicators/I01/measurements', {}))
    expect(err.status).toBe(403)
    expect(err.message).toBe('您不是该指标的责任部门')
  })

  it('answers undefined for 204', async () => {
    fetchMock.mockResolvedValue(new Response(null, { status: 204 }))
    expect(await api.post('/auth/logout')).toBeUndefined()
  })

  it('reads every page of a list', async () => {
    fetchMock
      .mockResolvedValueOnce(json(200, { items: [1, 2], next_cursor: 'c2' }))
      .mockResolvedValueOnce(json(200, { items: [3], next_cursor: '' }))
    expect(await listAll<number>('/tasks', { domain: '工业固体废物' })).toEqual([1, 2, 3])
    expect(fetchMock.mock.calls[1][0]).toContain('cursor=c2')
    expect(fetchMock.mock.calls[0][0]).toContain('limit=100')
  })

  it('takes the file name from Content-Disposition', () => {
    expect(filenameFrom(`attachment; filename="registry.csv"; filename*=UTF-8''%E6%8C%87%E6%A0%87.csv`)).toBe('指标.csv')
    expect(filenameFrom('attachment; filename="registry.xlsx"')).toBe('registry.xlsx')
    expect(filenameFrom(null)).toBe('')
  })
})

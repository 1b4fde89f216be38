// utils/api.js against a fake server: token handling, silent re-login, and
// error messages taken from the API's answer.
const { flush } = require('./helpers/wx')
const config = require('../config')
const api = require('../utils/api')

const fake = global.__wxfake

function routes(table) {
  return (req) => {
    const key = req.method + ' ' + req.url.replace(config.apiBase, '')
    const h = table[key]
    if (!h) return { statusCode: 404, data: { error: { code: 'not_found', message: '未找到' } } }
    return typeof h === 'function' ? h(req) : h
  }
}

function loginAnswer(token) {
  return { statusCode: 200, data: { token, expires_in: 3600, user: { id: 'c1', role: 'citizen', display_name: '市民' } } }
}

beforeEach(() => {
  fake.store.clear()
  fake.calls.request.length = 0
  fake.calls.login = 0
  config.apiBase = 'http://api.test'
  config.devLogin = true
})

test('config follows the mini-program version: develop uses dev login, release a real domain', () => {
  expect(config.timeout).toBeGreaterThan(0)
  jest.isolateModules(() => {
    fake.accountEnv = 'release'
    const c = require('../config')
    expect(c.devLogin).toBe(false)
    expect(c.apiBase).toMatch(/^https:\/\//)
  })
  fake.accountEnv = 'develop'
})

test('logs in once for concurrent calls, stores the token and sends it', async () => {
  let logins = 0
  fake.handler = routes({
    'POST /api/v1/auth/wechat': (req) => {
      logins++
      expect(req.data.code).toMatch(/^dev:devuser/)
      return loginAnswer('tok1')
    },
    'GET /api/v1/me': (req) => ({ statusCode: 200, data: { auth: req.header.Authorization } }),
  })
  const [a, b] = await Promise.all([api.get('/api/v1/me'), api.get('/api/v1/me')])
  expect(logins).toBe(1)
  expect(a.auth).toBe('Bearer tok1')
  expect(b.auth).toBe('Bearer tok1')
  expect(api.getToken()).toBe('tok1')
  expect(api.currentUser().role).toBe('citizen')
})

test('keeps the same dev openid across logins', async () => {
  const codes = []
  fake.handler = routes({ 'POST /api/v1/auth/wechat': (req) => (codes.push(req.data.code), loginAnswer('t')) })
  await api.login()
  await api.login()
  expect(codes[0]).toBe(codes[1])
})

test('uses wx.login outside development', async () => {
  config.devLogin = false
  fake.handler = routes({ 'POST /api/v1/auth/wechat': (req) => (expect(req.data.code).toBe('wxcode'), loginAnswer('t2')) })
  await api.login()
  expect(fake.calls.login).toBe(1)
  expect(api.getToken()).toBe('t2')
})

test('a 401 logs in again silently and retries once', async () => {
  fake.store.set('wufei_token', 'expired')
  let n = 0
  fake.handler = routes({
    'POST /api/v1/auth/wechat': loginAnswer('fresh'),
    'GET /api/v1/me': (req) => {
      n++
      if (req.header.Authorization === 'Bearer expired') return { statusCode: 401, data: { error: { code: 'unauthenticated', message: '请先登录' } } }
      return { statusCode: 200, data: { ok: true } }
    },
  })
  expect(await api.get('/api/v1/me')).toEqual({ ok: true })
  expect(n).toBe(2)
  expect(api.getToken()).toBe('fresh')
})

test('a 401 after re-login is an error, not a loop', async () => {
  fake.handler = routes({
    'POST /api/v1/auth/wechat': loginAnswer('t'),
    'GET /api/v1/me': { statusCode: 401, data: { error: { code: 'unauthenticated', message: '请先登录' } } },
  })
  await expect(api.get('/api/v1/me')).rejects.toMatchObject({ status: 401, code: 'unauthenticated', message: '请先登录' })
})

test('errors carry the API code, Chinese message and fields', async () => {
  fake.store.set('wufei_token', 't')
  fake.handler = routes({
    'POST /api/v1/things': {
      statusCode: 400,
      data: { error: { code: 'validation_failed', message: '请检查填写的内容', fields: [{ field: 'description', code: 'required', message: '请填写描述' }, { field: 'phone', code: 'invalid' }] } },
    },
  })
  const err = await api.post('/api/v1/things', {}).catch((e) => e)
  expect(err).toBeInstanceOf(api.ApiError)
  expect(api.message(err)).toBe('请检查填写的内容')
  expect(api.fieldErrors(err)).toEqual({ description: '请填写描述', phone: '请检查填写的内容' })
})

test('network failures and non-JSON answers get Chinese messages', async () => {
  fake.store.set('wufei_token', 't')
  fake.handler = () => null
  const e1 = await api.get('/api/v1/me').catch((e) => e)
  expect(e1.code).toBe('network')
  expect(api.message(e1)).toMatch(/网络/)
  fake.handler = () => ({ statusCode: 502, data: '<html>bad gateway</html>' })
  const e2 = await api.get('/api/v1/me').catch((e) => e)
  expect(api.message(e2)).toBe('服务暂时不可用，请稍后重试')
  expect(api.message(new Error('boom'))).toMatch(/出错了/)
})

test('public reads send no token and build the query', async () => {
  fake.store.set('wufei_token', 't')
  fake.handler = (req) => ({ statusCode: 200, data: { url: req.url, auth: req.header.Authorization || '' } })
  const r = await api.get('/api/v1/indicators', { limit: 20, level1: '保障 能力', q: '', cursor: undefined }, { auth: false })
  expect(r.auth).toBe('')
  expect(r.url).toBe('http://api.test/api/v1/indicators?limit=20&level1=%E4%BF%9D%E9%9A%9C%20%E8%83%BD%E5%8A%9B')
})

test('upload sends the file in field "file" and re-logs in on 401', async () => {
  fake.store.set('wufei_token', 'old')
  fake.handler = routes({
    'POST /api/v1/auth/wechat': loginAnswer('new'),
    'UPLOAD /api/v1/uploads': (req) =>
      req.header.Authorization === 'Bearer old'
        ? { statusCode: 401, data: { error: { code: 'unauthenticated', message: '请先登录' } } }
        : { statusCode: 201, data: { id: 'u1', kind: 'image' } },
  })
  expect(await api.upload('/tmp/a.jpg')).toEqual({ id: 'u1', kind: 'image' })
  fake.handler = routes({ 'UPLOAD /api/v1/uploads': { statusCode: 415, data: { error: { code: 'unsupported_file_type', message: '只支持图片和 PDF' } } } })
  await expect(api.upload('/tmp/a.txt')).rejects.toMatchObject({ code: 'unsupported_file_type' })
  await flush()
})

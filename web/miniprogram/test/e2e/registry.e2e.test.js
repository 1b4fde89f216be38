// End to end against a real `wufei serve` (embedded store, development-mode
// WeChat): login, the home page, the public indicator pages and 我的, with
// wx.request going over HTTP and data seeded through the API as the admin.
const { until } = require('../helpers/wx')
const { render, text } = require('../helpers/page')
const e2e = require('../helpers/e2e')
const config = require('../../config')
const api = require('../../utils/api')

const fake = global.__wxfake

beforeAll(async () => {
  config.apiBase = e2e.base()
  config.devLogin = true
  fake.handler = null
  const admin = await e2e.admin()
  const res = await e2e.call('POST', '/api/v1/indicators/I01/measurements', admin, { period: '2025', value: 5.2, note: '年度统计' })
  expect(res.statusCode).toBe(201)
})

beforeEach(() => fake.store.clear())

test('logs in with a dev-mode code and keeps the session', async () => {
  const token = await api.login()
  expect(token).toBeTruthy()
  const me = await api.get('/api/v1/me')
  expect(me.role).toBe('citizen')
  expect(api.getToken()).toBe(token)
})

test('an expired session is renewed silently', async () => {
  const first = await api.login()
  // The server forgets the session, as when it expires.
  expect((await e2e.call('POST', '/api/v1/auth/logout', first)).statusCode).toBe(204)
  const me = await api.get('/api/v1/me')
  expect(me.role).toBe('citizen')
  expect(api.getToken()).not.toBe(first)
})

test('home shows the registry summary and the live indicators', async () => {
  const p = render('pages/index/index')
  p.instance.onLoad()
  await until(() => !p.data.loading)
  expect(p.data.error).toBe('')
  const t = text(p)
  expect(t).toContain('52项指标')
  expect(t).toContain('83项任务')
  expect(p.data.groups.map((g) => g.name)).toEqual(['固体废物源头减量', '固体废物资源化利用', '固体废物最终处置', '保障能力', '群众获得感'])
  expect(p.data.live.map((i) => i.code)).toEqual(['I41', 'I48', 'I50', 'I51', 'I52'])
  expect(t).toContain('投诉举报办结率')
})

test('the indicator pages show a value recorded by staff', async () => {
  const list = render('pages/indicators/indicators')
  list.instance.onLoad()
  await until(() => !list.data.loading)
  expect(list.data.items).toHaveLength(20)
  expect(list.data.next).toBeTruthy()
  await list.instance.more()
  expect(list.data.items).toHaveLength(40)
  await list.instance.pickGroup({ currentTarget: { dataset: { group: '群众获得感' } } })
  expect(list.data.items.map((i) => i.no)).toEqual([50, 51, 52])
  await list.instance.search({ detail: { value: '一般工业固体废物产生强度' } })
  expect(list.data.items).toHaveLength(0) // the search stays within the group
  expect(text(list)).toContain('没有符合条件的指标')
  await list.instance.pickGroup({ currentTarget: { dataset: { group: '' } } })
  expect(list.data.items.map((i) => i.code)).toEqual(['I01'])

  const p = render('pages/indicator/indicator')
  p.instance.onLoad({ code: 'I01' })
  await until(() => !p.data.loading)
  const t = text(p)
  expect(t).toContain('一般工业固体废物产生强度')
  expect(t).toContain('5.2吨/万元')
  expect(t).toContain('年度统计')
  expect(p.data.ind.status).not.toBe('no_data')

  const missing = render('pages/indicator/indicator')
  missing.instance.onLoad({ code: 'I99' })
  await until(() => !missing.data.loading)
  expect(missing.data.error).toMatch(/[\u4e00-\u9fa5]/)
})

test('我的 shows the citizen, and logging out starts a new session', async () => {
  const p = render('pages/me/me')
  p.instance.onLoad()
  await until(() => !p.data.loading)
  expect(p.data.error).toBe('')
  expect(p.data.roleText).toBe('市民')
  const before = api.getToken()
  await p.instance.logout()
  expect(api.getToken()).not.toBe(before)
  expect(p.data.error).toBe('')
})

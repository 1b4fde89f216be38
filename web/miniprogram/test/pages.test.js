// Every page and component rendered in miniprogram-simulate against a fake
// API: loading, content, error with retry.
const { flush, until } = require('./helpers/wx')
const { render, text } = require('./helpers/page')
const fx = require('./helpers/fixtures')
const config = require('../config')
const chart = require('../utils/chart')
const format = require('../utils/format')

const fake = global.__wxfake

function json(data, status) {
  return { statusCode: status || 200, data }
}

function api(table) {
  fake.handler = (req) => {
    const path = req.url.replace(config.apiBase, '').split('?')[0]
    const h = table[req.method + ' ' + path]
    if (!h) return json({ error: { code: 'not_found', message: '未找到' } }, 404)
    return typeof h === 'function' ? h(req) : h
  }
}

beforeEach(() => {
  fake.store.clear()
  fake.store.set('wufei_token', 'tok')
  fake.calls.request.length = 0
  fake.calls.navigateTo.length = 0
  fake.calls.switchTab.length = 0
  fake.calls.toast.length = 0
  config.apiBase = 'http://api.test'
})

describe('state component', () => {
  test('shows loading, then the error with a retry that fires an event', () => {
    const c = render('components/state/state', { loading: true })
    expect(text(c)).toContain('加载中')
    c.setData({ loading: false, error: '网络连接失败' })
    expect(text(c)).toContain('网络连接失败')
    const retried = jest.fn()
    c.instance.triggerEvent = retried
    c.instance.onRetry()
    expect(retried).toHaveBeenCalledWith('retry')
    c.setData({ error: '', empty: true, emptyText: '暂无举报' })
    expect(text(c)).toContain('暂无举报')
  })
})

describe('progress chart', () => {
  function recorder() {
    const ops = []
    const ctx = new Proxy(
      {},
      {
        get: (t, k) => (k in t ? t[k] : (...args) => ops.push([k].concat(args))),
        set: (t, k, v) => ((t[k] = v), ops.push(['set', k, v]), true),
      },
    )
    return { ctx, ops }
  }

  test('layout gives each group a bar whose segments fill it in proportion', () => {
    const rows = chart.layout(fx.summary.indicators.by_group, 300, 120)
    expect(rows).toHaveLength(2)
    const first = rows[0]
    const widths = first.segments.map((s) => s.w)
    const total = widths.reduce((a, b) => a + b, 0)
    expect(first.segments.map((s) => s.status)).toEqual(['achieved', 'on_track', 'no_data'])
    expect(total).toBeCloseTo(first.barEnd - first.segments[0].x, 5)
    expect(widths[0] / total).toBeCloseTo(3 / 17, 5)
    expect(rows[1].segments[0].y).toBeGreaterThan(first.segments[0].y)
  })

  test('draws bars, labels and legend on the canvas node', () => {
    const c = render('components/progress-chart/progress-chart', { height: 120 })
    const { ctx, ops } = recorder()
    const canvas = { getContext: (kind) => (expect(kind).toBe('2d'), ctx) }
    c.instance.createSelectorQuery = () => ({
      select: () => ({ fields: () => ({ exec: (cb) => cb([{ node: canvas, width: 300, height: 120 }]) }) }),
    })
    c.setData({ groups: fx.summary.indicators.by_group })
    const rects = ops.filter((o) => o[0] === 'fillRect')
    expect(rects.length).toBe(5 + 5) // five segments, five legend keys
    expect(ops.filter((o) => o[0] === 'fillText').map((o) => o[1])).toEqual(expect.arrayContaining(['固体废物源头减量', '群众获得感', '已达标', '17']))
    expect(canvas.width).toBeGreaterThan(300) // scaled for the pixel ratio
    expect(text(c)).toContain('固体废物源头减量：已达标3，进展顺利2，暂无数据12')
  })

  test('does nothing while the canvas is not laid out', () => {
    const c = render('components/progress-chart/progress-chart')
    c.instance.createSelectorQuery = () => ({ select: () => ({ fields: () => ({ exec: (cb) => cb([null]) }) }) })
    expect(() => c.setData({ groups: fx.summary.indicators.by_group })).not.toThrow()
  })
})

describe('format', () => {
  test('times are shown in Beijing time', () => {
    expect(format.dateTime('2026-11-28T16:30:00Z')).toBe('2026-11-29 00:30')
    expect(format.date('2026-12-31T23:00:00+08:00')).toBe('2026-12-31')
    expect(format.date('2025-12-31')).toBe('2025-12-31')
    expect(format.dateTime('nonsense')).toBe('')
    expect(format.number(87.456)).toBe('87.46')
    expect(format.number(null)).toBe('—')
  })
})

describe('home', () => {
  test('shows totals, the live indicators with figures, and shortcuts', async () => {
    api({
      'GET /api/v1/registry/summary': json(fx.summary),
      'GET /api/v1/indicators': json(fx.indicators),
      'GET /api/v1/surveys': json({ items: [{ id: 's9', title: '2026 年公众满意度调查' }], next_cursor: '' }),
    })
    const p = render('pages/index/index')
    expect(text(p)).toContain('加载中')
    p.instance.onLoad()
    await until(() => !p.data.loading)
    const t = text(p)
    expect(t).toContain('52项指标3已达标83项任务5已完成')
    expect(t).toContain('投诉举报办结率')
    expect(t).toContain('87.46')
    expect(t).toContain('问卷答卷 12')
    expect(t).not.toContain('一般工业固体废物产生强度') // not live
    expect(p.data.groups).toHaveLength(2)
    // public data: no token sent
    fake.calls.request.filter((r) => !r.url.includes('/surveys')).forEach((r) => expect(r.header.Authorization).toBeUndefined())
    p.instance.openIndicator({ currentTarget: { dataset: { code: 'I48' } } })
    expect(fake.calls.navigateTo).toContain('/pages/indicator/indicator?code=I48')
    p.instance.go({ currentTarget: { dataset: { url: '/pages/indicators/indicators', tab: true } } })
    expect(fake.calls.switchTab).toContain('/pages/indicators/indicators')
    expect(t).toContain('2026 年公众满意度调查')
    p.instance.openSurvey({ currentTarget: { dataset: { id: 's9' } } })
    expect(fake.calls.navigateTo).toContain('/pages/survey/survey?id=s9')
  })

  test('shows the API error and loads again on retry', async () => {
    let fail = true
    api({
      'GET /api/v1/registry/summary': () => (fail ? json({ error: { code: 'internal', message: '服务器内部错误' } }, 500) : json(fx.summary)),
      'GET /api/v1/indicators': json(fx.indicators),
    })
    const p = render('pages/index/index')
    p.instance.onLoad()
    await until(() => !p.data.loading)
    expect(text(p)).toContain('服务器内部错误')
    expect(text(p)).toContain('重试')
    fail = false
    await p.instance.load()
    expect(text(p)).toContain('52项指标')
  })
})

describe('indicators', () => {
  test('lists, filters by group and text, and pages on', async () => {
    const seen = []
    api({
      'GET /api/v1/indicators': (req) => {
        seen.push(req.url)
        if (req.url.includes('cursor=I01')) return json({ items: [fx.indicators.items[2]], next_cursor: '' })
        if (req.url.includes('level1=')) return json({ items: [fx.indicators.items[1]], next_cursor: '' })
        return json({ items: fx.indicators.items.slice(0, 2), next_cursor: 'I01' })
      },
    })
    const p = render('pages/indicators/indicators')
    p.instance.onLoad()
    await until(() => !p.data.loading)
    expect(text(p)).toContain('一般工业固体废物产生强度')
    expect(text(p)).toContain('加载更多')
    expect(p.data.groups).toEqual(['', '固体废物源头减量', '保障能力'])
    await p.instance.more()
    expect(p.data.items).toHaveLength(3)
    expect(p.data.groups).toContain('群众获得感')
    expect(text(p)).not.toContain('加载更多')
    await p.instance.pickGroup({ currentTarget: { dataset: { group: '保障能力' } } })
    expect(p.data.items.map((i) => i.code)).toEqual(['I48'])
    expect(seen[seen.length - 1]).toContain('level1=' + encodeURIComponent('保障能力'))
    await p.instance.search({ detail: { value: ' 办结 ' } })
    expect(seen[seen.length - 1]).toContain('q=' + encodeURIComponent('办结'))
  })

  test('an empty result says so; a failed page keeps what was shown', async () => {
    let n = 0
    api({ 'GET /api/v1/indicators': () => (n++ === 0 ? json({ items: [fx.indicator()], next_cursor: 'I01' }) : null) })
    const p = render('pages/indicators/indicators')
    p.instance.onLoad()
    await until(() => !p.data.loading)
    await p.instance.more()
    expect(p.data.items).toHaveLength(1)
    expect(text(p)).toContain('网络连接失败')
    api({ 'GET /api/v1/indicators': json({ items: [], next_cursor: '' }) })
    await p.instance.load()
    expect(text(p)).toContain('没有符合条件的指标')
  })
})

describe('indicator detail', () => {
  test('shows the indicator and its history, newest first', async () => {
    const ind = fx.indicator({
      code: 'I48', no: 48, unit: '%', status: 'on_track', progress: 50.4,
      latest: { id: 'm2', period: '2026', value: 88, source: 'computed', recorded_at: '2026-11-28T16:30:00Z' },
      measurements: [
        { id: 'm1', period: '2025', value: 80, source: 'manual', recorded_at: '2025-12-01T00:00:00Z', note: '年报' },
        { id: 'm2', period: '2026', value: 88, source: 'computed', recorded_at: '2026-11-28T16:30:00Z' },
      ],
    })
    api({ 'GET /api/v1/indicators/I48': json(ind) })
    const p = render('pages/indicator/indicator')
    p.instance.onLoad({ code: 'I48' })
    await until(() => !p.data.loading)
    const t = text(p)
    expect(t).toContain('进展顺利')
    expect(t).toContain('市工信局、市生态环境局')
    expect(p.data.history.map((h) => h.period)).toEqual(['2026', '2025'])
    expect(t).toContain('系统自动计算 · 2026-11-29 00:30')
    expect(t).toContain('年报')
    expect(p.data.ind.progressPct).toBe(50)
  })

  test('an unknown code shows the API message', async () => {
    api({})
    const p = render('pages/indicator/indicator')
    p.instance.onLoad({ code: 'X' })
    await until(() => !p.data.loading)
    expect(text(p)).toContain('未找到')
  })
})

describe('me', () => {
  test('shows the user and notifications; logout drops the session and logs in afresh', async () => {
    let loggedOut = false
    api({
      'GET /api/v1/me': json({ id: 'c1', role: 'citizen', display_name: '市民' }),
      'GET /api/v1/notifications': json({ items: [{ id: 'n1', title: '您的举报已受理', body: '编号 TS001', page: 'pages/x/x', created_at: '2026-01-01T00:00:00Z' }] }),
      'POST /api/v1/auth/logout': () => ((loggedOut = true), { statusCode: 204, data: '' }),
      'POST /api/v1/auth/wechat': json({ token: 'again', expires_in: 1, user: { role: 'citizen' } }),
    })
    const p = render('pages/me/me')
    p.instance.onLoad()
    await until(() => !p.data.loading)
    expect(text(p)).toContain('市民')
    expect(text(p)).toContain('您的举报已受理')
    expect(text(p)).toContain('2026-01-01 08:00')
    p.instance.openNotification({ currentTarget: { dataset: { page: 'pages/x/x' } } })
    expect(fake.calls.navigateTo).toContain('/pages/x/x')
    await p.instance.logout()
    expect(loggedOut).toBe(true)
    expect(fake.store.get('wufei_token')).toBe('again')
    expect(fake.calls.toast).toContain('已退出登录')
  })
})

afterAll(() => flush())

describe('live figures', () => {
  const { figures } = require('../utils/figures')
  test('numbers and texts, labelled; nested breakdowns left out', () => {
    expect(figures({ survey_responses: 12, on_time_rate: 87.456, method: '本年受理', responses_by_district: [{}], new_key: 3 })).toEqual([
      { key: 'survey_responses', label: '问卷答卷', value: '12' },
      { key: 'on_time_rate', label: '按期办结率（%）', value: '87.46' },
      { key: 'method', label: '计算方法', value: '本年受理' },
      { key: 'new_key', label: 'new_key', value: '3' },
    ])
    expect(figures(null)).toEqual([])
  })

  test('the indicator page shows them', async () => {
    api({ 'GET /api/v1/indicators/I48': json(fx.indicator({ code: 'I48', live: { kind: 'computed', name: '投诉举报办结率' }, live_figures: { accepted: 10, closed: 9 }, measurements: [] })) })
    const p = render('pages/indicator/indicator')
    p.instance.onLoad({ code: 'I48' })
    await until(() => !p.data.loading)
    expect(text(p)).toContain('受理件数10')
    expect(text(p)).toContain('已结案9')
  })
})

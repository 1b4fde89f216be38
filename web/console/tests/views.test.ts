// Views driven against a fake of the API (fetch stubbed): the requests they
// make and what they show. The browser tests (e2e/run.mjs) drive the same
// views against a real `wufei serve`.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import Open311KeysView from '../src/views/Open311KeysView.vue'
import ComplaintsSLAView from '../src/views/ComplaintsSLAView.vue'
import ComplaintView from '../src/views/ComplaintView.vue'
import ComplaintsView from '../src/views/ComplaintsView.vue'
import CellsView from '../src/views/CellsView.vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import { session } from '../src/lib/session'
import type { Complaint } from '../src/lib/complaints'
import type { User } from '../src/lib/types'
import { keyState, sortKeys, type Open311Key } from '../src/lib/open311'
import {
  defaultGranularity, defaultRange, handlerBars, MAX_PERIODS, periodCount, periodLabel, rangeShortcuts, rateText, ratingText, stepAllowed, trendLines,
  type ComplaintStats, type Figures,
} from '../src/lib/complaintStats'

type Route = (body: unknown, url: URL) => [number, unknown]

/** fakeAPI answers fetch from routes keyed "METHOD /path" (no query), recording every call. */
function fakeAPI(routes: Record<string, Route>) {
  const calls: { method: string; path: string; query: URLSearchParams; body: unknown }[] = []
  const fetchMock = vi.fn(async (input: string, init?: RequestInit) => {
    const url = new URL(input, 'http://console.test')
    const method = init?.method ?? 'GET'
    const body = init?.body ? JSON.parse(String(init.body)) : undefined
    calls.push({ method, path: url.pathname, query: url.searchParams, body })
    const route = routes[`${method} ${url.pathname}`]
    if (!route) return new Response(JSON.stringify({ error: { code: 'not_found', message: '不存在' } }), { status: 404 })
    const [status, out] = route(body, url)
    return new Response(JSON.stringify(out), { status, headers: { 'Content-Type': 'application/json' } })
  })
  vi.stubGlobal('fetch', fetchMock)
  return calls
}

/** The button of the open ElMessageBox labelled text. */
function boxButton(text: string): HTMLButtonElement {
  const boxes = document.querySelectorAll('.el-message-box')
  const box = boxes[boxes.length - 1] // a closed box may linger while it fades
  const b = [...(box?.querySelectorAll<HTMLButtonElement>('button') ?? [])].find((x) => x.textContent?.trim() === text)
  if (!b) throw new Error(`no "${text}" button in ${box?.textContent}`)
  return b
}

async function settle() {
  for (let i = 0; i < 5; i++) {
    await flushPromises()
    await new Promise((r) => setTimeout(r, 0))
  }
}

afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

describe('Open311 keys', () => {
  const key = (id: string, over: Partial<Open311Key> = {}): Open311Key => ({
    id, name: `使用方${id}`, created_at: `2026-11-0${id}T02:00:00Z`, created_by: 'u_admin', created_by_name: '管理员', revoked_at: null, last_used_at: null, ...over,
  })
  let keys: Open311Key[]
  let calls: ReturnType<typeof fakeAPI>
  beforeEach(() => {
    keys = [key('1', { revoked_at: '2026-11-05T02:00:00Z' }), key('2', { last_used_at: '2026-11-06T02:00:00Z' }), key('3')]
    calls = fakeAPI({
      'GET /api/v1/admin/open311/keys': () => [200, { items: keys }],
      'POST /api/v1/admin/open311/keys': (b) => {
        const name = (b as { name: string }).name
        if (!name) return [400, { error: { code: 'validation_failed', message: '请求内容有误', fields: [{ field: 'name', code: 'required', message: '请填写使用方名称' }] } }]
        keys = [...keys, key('4', { name })]
        return [201, { id: '4', name, api_key: 'o311_secret_once', created_at: '2026-11-07T02:00:00Z' }]
      },
      'POST /api/v1/admin/open311/keys/3/revoke': () => {
        keys = keys.map((k) => (k.id === '3' ? { ...k, revoked_at: '2026-11-08T02:00:00Z' } : k))
        return [200, keys.find((k) => k.id === '3')]
      },
    })
  })

  it('orders keys in force first, newest first, and names their state', () => {
    expect(sortKeys(keys).map((k) => k.id)).toEqual(['3', '2', '1'])
    expect(keyState(keys[0]).label).toBe('已吊销')
    expect(keyState(keys[1]).label).toBe('有效')
  })

  it('lists the keys without secrets, with last use and who issued them', async () => {
    const w = mount(Open311KeysView, { global: { plugins: [ElementPlus] } })
    await settle()
    const rows = w.findAll('[data-test=key-table] .el-table__body tr')
    expect(rows).toHaveLength(3)
    expect(rows[0].text()).toContain('使用方3')
    expect(rows[0].text()).toContain('从未使用')
    expect(rows[1].text()).toContain('2026/11/06')
    expect(rows[2].text()).toContain('已吊销')
    expect(rows[2].find('[data-test=revoke-key]').exists()).toBe(false)
    expect(w.text()).toContain('管理员')
    expect(w.find('[data-test=issued-key]').exists()).toBe(false)
  })

  it('shows a new key once, and the list has it', async () => {
    const w = mount(Open311KeysView, { global: { plugins: [ElementPlus] } })
    await settle()
    await w.find('input[data-test=key-name], [data-test=key-name] input').setValue('  市 12345 热线 ')
    await w.find('form').trigger('submit')
    await settle()
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: '市 12345 热线' })
    expect(w.find('[data-test=secret]').text()).toBe('o311_secret_once')
    expect(w.findAll('[data-test=key-table] .el-table__body tr')).toHaveLength(4)
    expect(w.find('[data-test=key-table]').text()).not.toContain('o311_secret_once')
  })

  it('revokes only after confirmation', async () => {
    const w = mount(Open311KeysView, { global: { plugins: [ElementPlus] } })
    await settle()
    await w.find('[data-test=revoke-key]').trigger('click')
    await settle()
    expect(document.querySelector('.el-message-box')?.textContent).toContain('使用方3')
    boxButton('取消').click()
    await settle()
    expect(calls.filter((c) => c.path.endsWith('/revoke'))).toHaveLength(0)
    await w.find('[data-test=revoke-key]').trigger('click')
    await settle()
    boxButton('吊销').click()
    await settle()
    expect(calls.filter((c) => c.path.endsWith('/revoke'))).toHaveLength(1)
    const row = w.findAll('[data-test=key-table] .el-table__body tr').find((r) => r.text().includes('使用方3'))!
    expect(row.text()).toContain('已吊销')
    expect(row.text()).toContain('2026/11/08')
    expect(w.findAll('[data-test=revoke-key]')).toHaveLength(1)
  })
})

describe('complaint statistics', () => {
  it('defaults to this year in Beijing, with a step that suits the range', () => {
    // 16:30 UTC on 31 December is already 1 January in Beijing.
    expect(defaultRange(new Date('2026-12-31T16:30:00Z'))).toEqual(['2027-01-01', '2027-01-01'])
    expect(defaultRange(new Date('2026-11-29T02:00:00Z'))).toEqual(['2026-01-01', '2026-11-29'])
    expect(defaultGranularity('2026-11-01', '2026-11-30')).toBe('day')
    expect(defaultGranularity('2026-11-01', '2026-12-01')).toBe('day') // 31 days
    expect(defaultGranularity('2026-09-01', '2026-11-30')).toBe('week')
    expect(defaultGranularity('2026-01-01', '2026-11-30')).toBe('month')
    const sc = Object.fromEntries(rangeShortcuts(new Date('2026-11-29T02:00:00Z')).map((x) => [x.text, x.value]))
    expect(sc['近 7 天']).toEqual(['2026-11-23', '2026-11-29'])
    expect(sc['本月']).toEqual(['2026-11-01', '2026-11-29'])
    expect(sc['上一年']).toEqual(['2025-01-01', '2025-12-31'])
  })

  it('writes rates, ratings and periods, with — for none', () => {
    // The service's rates are percentages with two decimals, shown as given (as indicator 48 shows them).
    expect(rateText(66.67)).toBe('66.67%')
    expect(rateText(87.456)).toBe('87.46%')
    expect(rateText(50)).toBe('50%')
    expect(rateText(0)).toBe('0%')
    expect(rateText(null)).toBe('—')
    expect(ratingText(4.5)).toBe('4.50')
    expect(ratingText(null)).toBe('—')
    expect(periodLabel('2026-11-23', 'day')).toBe('11-23')
    expect(periodLabel('2026-11-23', 'week')).toBe('11-23 起')
    expect(periodLabel('2026-11-01', 'month')).toBe('2026-11')
    expect(periodLabel('2026-11', 'month')).toBe('2026-11')
  })

  it('counts trend periods as the service does and offers only steps it answers', () => {
    expect(periodCount('2026-11-01', '2026-11-30', 'day')).toBe(30)
    expect(periodCount('2026-11-29', '2026-11-29', 'day')).toBe(1)
    // 2026-11-29 is a Sunday, 2026-11-30 a Monday: two ISO weeks.
    expect(periodCount('2026-11-29', '2026-11-30', 'week')).toBe(2)
    expect(periodCount('2026-11-23', '2026-11-29', 'week')).toBe(1)
    expect(periodCount('2025-12-31', '2026-01-01', 'month')).toBe(2)
    expect(periodCount('2026-01-01', '2026-12-31', 'month')).toBe(12)
    expect(periodCount('2026-02-01', '2026-01-01', 'day')).toBe(0)
    expect(MAX_PERIODS).toBe(400)
    expect(stepAllowed(['2025-01-01', '2025-12-31'], 'day')).toBe(true) // 365
    expect(stepAllowed(['2024-01-01', '2025-12-31'], 'day')).toBe(false) // 731
    expect(stepAllowed(['2024-01-01', '2025-12-31'], 'week')).toBe(true)
    // The step a range gets by default is always one the service answers.
    for (const [a, b] of [['2020-01-01', '2026-11-29'], ['2026-09-01', '2026-11-30'], ['2026-11-01', '2026-12-01']]) {
      expect(stepAllowed([a, b], defaultGranularity(a, b))).toBe(true)
    }
  })

  it('puts the handlers with most overdue cases first and keeps the rates for the tooltip', () => {
    const row = (name: string, overdue_open: number, accepted: number) => ({ name, overdue_open, accepted, open: overdue_open, closed: 1, completion_rate: 50, on_time_rate: null })
    const o = handlerBars([row('甲', 0, 9), row('乙', 3, 1), row('丙', 0, 10)])
    expect(o.yAxis.data).toEqual(['乙', '丙', '甲'])
    expect(o.series.map((x) => x.data)).toEqual([[1, 10, 9], [1, 1, 1], [3, 0, 0]])
    expect(o.tooltip.formatter([{ dataIndex: 0 }])).toContain('办结率 50%，按期办结率 —')
    const t = trendLines([{ period: '2026-11-23', submitted: 2, accepted: 1, closed: 0, overdue_open: 1 }], 'week')
    expect(t.xAxis.data).toEqual(['11-23 起'])
    expect(t.series.map((x) => x.data[0])).toEqual([2, 1, 0, 1])
  })

  const figures = (over: Partial<Figures> = {}): Figures => ({
    submitted: 0, open: 0, overdue_open: 0, accepted: 0, closed: 0, completion_rate: null, resolved: 0, on_time: 0, on_time_rate: null,
    rated: 0, average_rating: null, ...over,
  })
  // The shape internal/httpapi/complaint_stats.go answers (rates in percent, two decimals).
  const stats = (over: Partial<ComplaintStats> = {}): ComplaintStats => ({
    from: '2026-01-01', to: '2026-11-29', granularity: 'month',
    ...figures({ submitted: 12, accepted: 10, closed: 8, completion_rate: 80, resolved: 8, on_time: 6, on_time_rate: 75, rated: 5, average_rating: 4.2, open: 3, overdue_open: 1 }),
    by_department: [{ code: '市执法局', name: '市执法局', ...figures({ submitted: 7, open: 2, overdue_open: 1, accepted: 6, closed: 4, completion_rate: 66.67, resolved: 4, on_time: 2, on_time_rate: 50, rated: 2, average_rating: 3.5 }) }],
    by_district: [{ adcode: '150602', name: '东胜区', ...figures({ submitted: 5, open: 1, accepted: 4, closed: 4, completion_rate: 100, resolved: 4, on_time: 4, on_time_rate: 100, rated: 3, average_rating: 4.67 }) }],
    trend: [{ period: '2026-10-01', submitted: 5, accepted: 4, closed: 3, overdue_open: 0 }, { period: '2026-11-01', submitted: 7, accepted: 6, closed: 5, overdue_open: 1 }],
    ...over,
  })

  it('asks the service for the range and step, shows its figures, and asks again when the step changes', async () => {
    let answer = stats()
    const calls = fakeAPI({ 'GET /api/v1/complaints/stats': () => [200, answer] })
    const ChartStub = { name: 'ChartStub', props: ['option', 'height'], template: '<div />' }
    const w = mount(ComplaintsSLAView, { global: { plugins: [ElementPlus], stubs: { EChart: ChartStub } } })
    await settle()
    expect(calls).toHaveLength(1)
    const q = calls[0].query
    const [from, to] = defaultRange(new Date())
    expect([q.get('from'), q.get('to'), q.get('granularity')]).toEqual([from, to, defaultGranularity(from, to)])
    expect(w.find('[data-test=completion-rate]').text()).toBe('80%')
    expect(w.find('[data-test=completion-counts]').text()).toBe('结案 8 / 受理 10')
    expect(w.find('[data-test=on-time-rate]').text()).toBe('75%')
    expect(w.find('[data-test=rating]').text()).toBe('4.20')
    expect(w.find('[data-test=submitted]').text()).toBe('12')
    expect(w.find('[data-test=overdue]').text()).toBe('1')
    expect(w.find('[data-test=stats-table]').text()).toContain('市执法局')
    expect(w.find('[data-test=stats-table]').text()).toContain('66.67%')
    expect(w.find('[data-test=stats-table]').text()).toContain('4.67')
    // Charts get the service's rows as they are: nothing is counted here.
    const options = w.findAllComponents(ChartStub).map((c) => c.props('option'))
    const step = defaultGranularity(from, to)
    expect(options.map((o) => o.yAxis.data ?? o.xAxis.data)).toEqual([['市执法局'], ['东胜区'], [periodLabel('2026-10-01', step), periodLabel('2026-11-01', step)]])

    answer = stats({ completion_rate: null, on_time_rate: null, average_rating: null, rated: 0, by_department: [], by_district: [], trend: [] })
    const other = step === 'day' ? 'month' : 'day'
    await w.find(`[data-test=granularity] input[value=${other}]`).setValue(true)
    await settle()
    expect(calls).toHaveLength(2)
    expect(calls[1].query.get('granularity')).toBe(other)
    expect(w.find('[data-test=completion-rate]').text()).toBe('—')
    expect(w.find('[data-test=rating]').text()).toBe('—')
    expect(w.text()).toContain('统计期内没有投诉')
  })

  it('shows the service message when the figures are refused', async () => {
    fakeAPI({ 'GET /api/v1/complaints/stats': () => [400, { error: { code: 'validation_failed', message: '起止日期有误', fields: [] } }] })
    const w = mount(ComplaintsSLAView, { global: { plugins: [ElementPlus], stubs: { EChart: true } } })
    await settle()
    expect(w.text()).toContain('起止日期有误')
    expect(w.find('[data-test=sla]').exists()).toBe(false)
  })
})

describe('complaints without a point', () => {
  const staff = (role: User['role'], districts: string[] = []): User => ({ id: 'u', role, display_name: '', departments: [], districts, disabled: false, created_at: '' })
  // As GET /complaints/{id} answers them (internal/httpapi/complaint.go toComplaintDTO).
  const complaint = (over: Partial<Complaint> = {}): Complaint => ({
    id: 'TS1', tracking_no: 'TS1', category: 'illegal_dumping', category_name: '非法倾倒', description: '路边堆了建筑垃圾',
    lat: 39.828458, lng: 109.75022, located: true, address: '东胜区测试路口', district: { adcode: '150602', name: '东胜区' },
    photos: [], attributes: {}, anonymous: false, view: 'full', status: 'submitted', status_label: '待受理', handler: null,
    result_photos: [], submitted_at: '2026-11-29T10:00:00+08:00', accept_due: '2026-12-03T10:00:00+08:00', resolve_due: null,
    extension: null, feedback: [], reopened: 0, warned: [], overdue: [], escalated: false, history: [], ...over,
  })
  // Filed through Open311 with only an address_string naming 达拉特旗.
  const unlocated = complaint({ id: 'TS2', tracking_no: 'TS2', lat: null, lng: null, located: false, address: '达拉特旗树林召镇', district: { adcode: '150621', name: '达拉特旗' } })
  const ChartStub = { name: 'ChartStub', props: ['option', 'height'], template: '<div />' }
  const points = (w: ReturnType<typeof mount>) => w.findComponent(ChartStub).props('option').series[1].data
  afterEach(() => {
    session.user = null
  })

  async function detail(c: Complaint) {
    session.user = staff('admin')
    fakeAPI({ [`GET /api/v1/complaints/${c.id}`]: () => [200, c], 'GET /api/v1/departments': () => [200, { items: [] }] })
    const w = mount(ComplaintView, { props: { id: c.id }, global: { plugins: [ElementPlus], stubs: { EChart: ChartStub, EvidenceViewer: true } } })
    await settle()
    return w
  }

  it('the detail of a located case puts its point on the map', async () => {
    const w = await detail(complaint())
    expect(w.find('[data-test=unlocated]').exists()).toBe(false)
    expect(w.find('[data-test=location] .district-map').attributes('data-points')).toBe('1')
    expect(points(w)).toEqual([{ name: '东胜区测试路口', value: [109.75022, 39.828458] }])
  })

  it('the detail of a case without a point says where it was placed and draws no point', async () => {
    const w = await detail(unlocated)
    expect(w.find('[data-test=unlocated]').text()).toContain('未定位（按地址归属到 达拉特旗）')
    expect(w.find('[data-test=location] .district-map').attributes('data-points')).toBe('0')
    expect(points(w)).toEqual([])
    // The map still shows the district it belongs to.
    const map = w.findComponent(ChartStub).props('option').series[0].data as { name: string; value: number }[]
    expect(map.filter((d) => d.value === 1).map((d) => d.name)).toEqual(['达拉特旗'])
    expect(w.text()).toContain('达拉特旗树林召镇')
  })

  it('the queue marks cases without a point, and offers the statistics to district staff', async () => {
    session.user = staff('district', ['150621'])
    fakeAPI({
      'GET /api/v1/complaints': () => [200, { items: [complaint({ status: 'assigned' }), { ...unlocated, status: 'assigned' }], next_cursor: '' }],
      'GET /api/v1/complaints/categories': () => [200, { items: [] }],
    })
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div/>' } }] })
    const w = mount(ComplaintsView, { global: { plugins: [ElementPlus, router] } })
    await settle()
    const rows = w.findAll('[data-test=complaint-table] .el-table__row')
    expect(rows).toHaveLength(2)
    expect(rows[0].find('[data-test=unlocated-tag]').exists()).toBe(false)
    expect(rows[1].find('[data-test=unlocated-tag]').text()).toBe('未定位')
    expect(w.find('[data-test=to-stats]').exists()).toBe(true)
  })
})

describe('cell review queue', () => {
  const app = (id: string, extra: Record<string, unknown>) => ({
    id, status: 'submitted', type_name: '酒店', pass_mark: 80, self_total: 95, publicity_start: null, publicity_end: null, objections: [],
    unit: { name: `单位${id}`, credit_code: '', type: 'hotel', district: '150602', district_name: '东胜区', address: '', lat: 0, lng: 0 },
    self_assessment: {}, district_review: null, city_review: null, history: [], created_at: '2026-03-02T02:00:00Z', updated_at: '2026-03-02T02:00:00Z',
    ...extra,
  })

  it('marks reviews past their due date and gives the others theirs', async () => {
    session.user = { id: 'u', role: 'district', display_name: '', departments: [], districts: ['150602'], disabled: false, created_at: '' }
    const calls = fakeAPI({
      'GET /api/v1/cells/applications': () => [200, { items: [
        app('late', { review_due: '2026-03-16T02:00:00Z', review_overdue: true, review_escalated_at: '2026-03-16T02:01:00Z' }),
        app('fresh', { review_due: '2026-04-20T02:00:00Z', review_overdue: false }),
      ], next_cursor: '' }],
      'GET /api/v1/cells/types': () => [200, { items: [] }],
    })
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div/>' } }] })
    const w = mount(CellsView, { global: { plugins: [ElementPlus, router] } })
    await settle()
    expect(calls.find((c) => c.path === '/api/v1/cells/applications')?.query.get('status')).toBe('submitted')
    const rows = w.findAll('[data-test=cell-table] .el-table__row')
    expect(rows).toHaveLength(2)
    expect(rows[0].find('[data-test=review-overdue]').text()).toBe('审核已超期')
    expect(rows[1].find('[data-test=review-overdue]').exists()).toBe(false)
    expect(rows[1].text()).toContain('04/20 前审核')
  })
})

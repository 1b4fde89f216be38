import { describe, expect, it, vi, beforeEach, afterEach } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createMemoryHistory, createRouter } from 'vue-router'
import IndicatorCard from '../src/components/IndicatorCard.vue'
import StatusTag from '../src/components/StatusTag.vue'
import CursorPager from '../src/components/CursorPager.vue'
import LoginView from '../src/views/LoginView.vue'
import SurveyPreview from '../src/components/SurveyPreview.vue'
import DeadlineBadge from '../src/components/DeadlineBadge.vue'
import { session } from '../src/lib/session'
import type { Indicator } from '../src/lib/types'

function router() {
  return createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div/>' } }] })
}

const indicator: Indicator = {
  code: 'I01', no: 1, level1: '固体废物源头减量', level2: '工业源头减量', name: '一般工业固体废物产生强度',
  national_required: true, city_specific: false, baseline_2020: '6.00', target_2025: '<6.00', unit: '吨/万元',
  departments: ['市工信局'], direction: 'lower', target: { kind: 'numeric', comparator: '<', value: 6, text: '<6.00' },
  live: null, latest: { id: 'm', period: '2024', value: 5.1, evidence: [], source: 'manual', by: {}, recorded_at: '' },
  progress: 62.5, status: 'on_track', corrected: [],
}

describe('components', () => {
  it('StatusTag shows the Chinese status', () => {
    expect(mount(StatusTag, { props: { status: 'lagging' } }).text()).toBe('滞后')
  })

  it('IndicatorCard shows baseline, latest and target with progress', async () => {
    const r = router()
    const w = mount(IndicatorCard, { props: { indicator }, global: { plugins: [ElementPlus, r] } })
    expect(w.find('.baseline').text()).toBe('6.00')
    expect(w.find('.latest').text()).toBe('5.1 吨/万元')
    expect(w.find('.target').text()).toBe('<6.00')
    expect(w.text()).toContain('63%')
    expect(w.text()).toContain('进展顺利')
    expect(w.find('a').attributes('href')).toBe('/indicators/I01')
  })

  it('CursorPager disables what cannot be done', async () => {
    const w = mount(CursorPager, { props: { page: 1, hasNext: true }, global: { plugins: [ElementPlus] } })
    const [prev, next] = w.findAll('button')
    expect(prev.attributes('disabled')).toBeDefined()
    expect(next.attributes('disabled')).toBeUndefined()
    await next.trigger('click')
    expect(w.emitted('next')).toHaveLength(1)
  })
})

describe('SurveyPreview', () => {
  it('shows a follow-up question once its condition is answered', async () => {
    const questions = [
      { id: 'sat', type: 'likert5' as const, title: '您满意吗', required: true },
      { id: 'why', type: 'text' as const, title: '不满意的原因', show_if: { question: 'sat', in: ['1', '2'] } },
    ]
    const w = mount(SurveyPreview, { props: { title: '调查', description: '', questions }, global: { plugins: [ElementPlus] } })
    expect(w.text()).toContain('1. 您满意吗')
    expect(w.text()).not.toContain('不满意的原因')
    await w.find('input[type=radio][value="1"]').setValue(true)
    await flushPromises()
    expect(w.text()).toContain('2. 不满意的原因')
  })
})

describe('DeadlineBadge', () => {
  it('marks overdue and due-soon cases', () => {
    const past = new Date(Date.now() - 3600e3).toISOString()
    const soon = new Date(Date.now() + 3600e3).toISOString()
    const far = new Date(Date.now() + 10 * 86400e3).toISOString()
    const mk = (accept_due: string) => mount(DeadlineBadge, { props: { complaint: { status: 'submitted', accept_due, resolve_due: null, warned: [], overdue: [] } }, global: { plugins: [ElementPlus] } })
    expect(mk(past).find('[data-test=badge-overdue]').text()).toBe('受理已超期')
    expect(mk(soon).find('[data-test=badge-soon]').text()).toBe('受理即将到期')
    expect(mk(far).text()).toContain('前受理')
  })
})

describe('LoginView', () => {
  let fetchMock: ReturnType<typeof vi.fn>
  beforeEach(() => {
    fetchMock = vi.fn()
    vi.stubGlobal('fetch', fetchMock)
    localStorage.clear()
    session.user = null
    session.notice = ''
  })
  afterEach(() => vi.unstubAllGlobals())

  it('shows the service message when the login is refused', async () => {
    fetchMock.mockResolvedValue(new Response(JSON.stringify({ error: { code: 'invalid_credentials', message: '用户名或密码错误' } }), { status: 401 }))
    const w = mount(LoginView, { global: { plugins: [ElementPlus, router()] } })
    await w.find('input[name=username]').setValue('admin')
    await w.find('input[name=password]').setValue('nope')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(w.find('[data-test=login-error]').text()).toContain('用户名或密码错误')
    expect(session.user).toBeNull()
  })

  it('asks for both fields before calling the service', async () => {
    const w = mount(LoginView, { global: { plugins: [ElementPlus, router()] } })
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(fetchMock).not.toHaveBeenCalled()
    expect(w.text()).toContain('请输入用户名和密码')
  })

  it('shows why the last session ended', () => {
    session.notice = '登录已失效，请重新登录'
    const w = mount(LoginView, { global: { plugins: [ElementPlus, router()] } })
    expect(w.find('[data-test=notice]').text()).toContain('登录已失效')
  })

  it('logs a staff user in and keeps the token', async () => {
    const user = { id: 's1', role: 'department', username: 'd', display_name: '张三', departments: ['市工信局'], districts: [], disabled: false, created_at: '' }
    fetchMock.mockResolvedValue(new Response(JSON.stringify({ token: 'tok', expires_in: 60, user }), { status: 200 }))
    const r = router()
    const w = mount(LoginView, { global: { plugins: [ElementPlus, r] } })
    await w.find('input[name=username]').setValue('d')
    await w.find('input[name=password]').setValue('secret-123')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(session.user?.display_name).toBe('张三')
    expect(localStorage.getItem('wufei.console.token')).toBe('tok')
  })

  it('refuses citizens, who use the mini-program', async () => {
    const user = { id: 'c1', role: 'citizen', display_name: '', departments: [], districts: [], disabled: false, created_at: '' }
    fetchMock
      .mockResolvedValueOnce(new Response(JSON.stringify({ token: 'tok', expires_in: 60, user }), { status: 200 }))
      .mockResolvedValueOnce(new Response(null, { status: 204 }))
    const w = mount(LoginView, { global: { plugins: [ElementPlus, router()] } })
    await w.find('input[name=username]').setValue('c')
    await w.find('input[name=password]').setValue('secret-123')
    await w.find('form').trigger('submit')
    await flushPromises()
    expect(w.find('[data-test=login-error]').text()).toContain('小程序')
    expect(session.user).toBeNull()
    expect(localStorage.getItem('wufei.console.token')).toBeNull()
  })
})

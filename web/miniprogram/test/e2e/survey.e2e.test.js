// End to end: the admin publishes a survey through the API; a citizen finds
// it on the home page and the survey list, answers it in the page (show_if,
// required, district from location) against the real service, and cannot
// answer twice.
const { until } = require('../helpers/wx')
const { render, text } = require('../helpers/page')
const e2e = require('../helpers/e2e')
const config = require('../../config')

const fake = global.__wxfake
let surveyId

beforeAll(async () => {
  config.apiBase = e2e.base()
  config.devLogin = true
  fake.handler = null
  const admin = await e2e.admin()
  const now = Date.now()
  const created = await e2e.call('POST', '/api/v1/surveys', admin, {
    title: '小程序端到端满意度调查',
    description: '测试用问卷',
    opens_at: new Date(now - 3600e3).toISOString(),
    closes_at: new Date(now + 30 * 86400e3).toISOString(),
    min_seconds_per_answer: 0,
    questions: [
      { id: 'q1', type: 'likert5', title: '您对“无废城市”建设成效满意吗？', required: true },
      { id: 'q2', type: 'single', title: '您听说过“无废城市”吗？', required: true, options: [{ value: 'yes', label: '听说过' }, { value: 'no', label: '没听说过' }] },
      { id: 'q3', type: 'multiple', title: '从哪些渠道听说？', required: true, options: [{ value: 'tv', label: '电视' }, { value: 'wx', label: '微信' }], show_if: { question: 'q2', in: ['yes'] } },
      { id: 'q4', type: 'text', title: '您的建议', max_length: 200 },
    ],
    measures: { satisfaction: 'q1', awareness: ['q2'], awareness_yes: ['yes'] },
  })
  expect(created.statusCode).toBe(201)
  surveyId = created.data.id
  const pub = await e2e.call('POST', '/api/v1/surveys/' + surveyId + '/publish', admin)
  expect(pub.statusCode).toBe(200)
})

beforeEach(() => {
  fake.store.clear()
  fake.location = { latitude: 39.8179, longitude: 109.9894 } // 东胜区
})

const tap = (p, id, value) => p.instance.choose({ currentTarget: { dataset: { id, value } } })

test('a citizen finds the survey, answers it, and cannot answer twice', async () => {
  const home = render('pages/index/index')
  home.instance.onLoad()
  await until(() => !home.data.loading)
  expect(text(home)).toContain('小程序端到端满意度调查')

  const list = render('pages/surveys/surveys')
  list.instance.onLoad()
  await until(() => !list.data.loading)
  expect(list.data.items.map((s) => s.id)).toContain(surveyId)

  const p = render('pages/survey/survey')
  p.instance.onLoad({ id: surveyId })
  await until(() => !p.data.loading && p.instance.startToken)
  expect(p.data.districtNames[p.data.districtIndex]).toBe('东胜区')

  // required answers are checked on the phone first
  await p.instance.submit()
  expect(p.data.qs.filter((q) => q.error).map((q) => q.id)).toEqual(['q1', 'q2'])

  tap(p, 'q1', 5)
  tap(p, 'q2', 'yes')
  expect(text(p)).toContain('从哪些渠道听说')
  tap(p, 'q3', 'wx')
  p.instance.input({ currentTarget: { dataset: { id: 'q4' } }, detail: { value: '多设回收点' } })
  await p.instance.submit()
  expect(p.data.submitError).toBe('')
  expect(p.data.done).toBe(true)

  // the service has it
  const stats = await e2e.call('GET', '/api/v1/surveys/' + surveyId + '/stats', await e2e.admin())
  expect(stats.statusCode).toBe(200)
  expect(stats.data.n_total).toBe(1)

  // the same citizen again: told at once, before answering
  const again = render('pages/survey/survey')
  again.instance.onLoad({ id: surveyId })
  await until(() => !again.data.loading && again.data.blocked)
  expect(again.data.blocked).toMatch(/[\u4e00-\u9fa5]/)
  expect(text(again)).toContain(again.data.blocked)
})

test('the service\'s field errors come back to the question', async () => {
  const p = render('pages/survey/survey')
  p.instance.onLoad({ id: surveyId })
  await until(() => !p.data.loading && p.instance.startToken)
  tap(p, 'q1', 4)
  tap(p, 'q2', 'no')
  // A text over the limit the phone would stop: the service's answer is shown on the question.
  p.instance.questions.find((q) => q.id === 'q4').max_length = 1000
  p.instance.input({ currentTarget: { dataset: { id: 'q4' } }, detail: { value: '长'.repeat(300) } })
  await p.instance.submit()
  expect(p.data.done).toBe(false)
  expect(p.data.qs.find((q) => q.id === 'q4').error).toMatch(/[\u4e00-\u9fa5]/)
  expect(p.data.submitError).toMatch(/[\u4e00-\u9fa5]/)
  // fixing it lets the same form through
  p.instance.input({ currentTarget: { dataset: { id: 'q4' } }, detail: { value: '好' } })
  await p.instance.submit()
  expect(p.data.done).toBe(true)
})

test('a full district quota and a closed survey are told in the service\'s words', async () => {
  const admin = await e2e.admin()
  const now = Date.now()
  const created = await e2e.call('POST', '/api/v1/surveys', admin, {
    title: '配额测试问卷',
    opens_at: new Date(now - 3600e3).toISOString(),
    closes_at: new Date(now + 86400e3).toISOString(),
    min_seconds_per_answer: 0,
    quotas: { 150602: 1 },
    questions: [{ id: 'q1', type: 'likert5', title: '满意吗？', required: true }],
    measures: { satisfaction: 'q1' },
  })
  expect(created.statusCode).toBe(201)
  const id = created.data.id
  expect((await e2e.call('POST', '/api/v1/surveys/' + id + '/publish', admin)).statusCode).toBe(200)

  const answer = async (openid) => {
    fake.store.clear()
    fake.store.set('wufei_dev_openid', openid)
    const p = render('pages/survey/survey')
    p.instance.onLoad({ id })
    await until(() => !p.data.loading && (p.instance.startToken || p.data.blocked))
    if (p.data.blocked) return p
    tap(p, 'q1', 4)
    await p.instance.submit()
    return p
  }
  expect((await answer('quota-1')).data.done).toBe(true)
  const second = await answer('quota-2')
  expect(second.data.done).toBe(false)
  expect(second.data.blocked).toMatch(/[\u4e00-\u9fa5]/)
  expect(text(second)).toContain(second.data.blocked)

  expect((await e2e.call('POST', '/api/v1/surveys/' + id + '/close', admin)).statusCode).toBe(200)
  const late = await answer('quota-3')
  expect(late.data.done).toBe(false)
  expect(late.data.blocked || late.data.error).toMatch(/[\u4e00-\u9fa5]/)
})

// The questionnaire: its rules (show_if, required, progress, payload) and
// the answering page against a fake API.
const { until } = require('./helpers/wx')
const { render, text } = require('./helpers/page')
const { json, apiError, routes, reset } = require('./helpers/fakeapi')
const rules = require('../utils/survey')
const districts = require('../utils/districts')

const fake = global.__wxfake

const questions = [
  { id: 'q1', type: 'likert5', title: '您对“无废城市”建设成效满意吗？', required: true },
  { id: 'q2', type: 'single', title: '您听说过“无废城市”吗？', required: true, options: [{ value: 'yes', label: '听说过' }, { value: 'no', label: '没听说过' }] },
  { id: 'q3', type: 'multiple', title: '从哪些渠道听说？', required: true, options: [{ value: 'tv', label: '电视' }, { value: 'wx', label: '微信' }, { value: 'other', label: '其他' }], show_if: { question: 'q2', in: ['yes'] } },
  { id: 'q4', type: 'text', title: '其他渠道是？', max_length: 20, show_if: { question: 'q3', in: ['other'] } },
  { id: 'q5', type: 'rating10', title: '您愿意向朋友推荐垃圾分类吗？', required: false },
  { id: 'q6', type: 'likert5', title: '（依赖不满意）哪里不满意？', show_if: { question: 'q1', in: ['1', '2'] } },
]

describe('rules', () => {
  test.each([
    ['nothing answered', {}, ['q1', 'q2', 'q5']],
    ['yes shows the channels', { q2: 'yes' }, ['q1', 'q2', 'q3', 'q5']],
    ['other channel shows the text', { q2: 'yes', q3: ['tv', 'other'] }, ['q1', 'q2', 'q3', 'q4', 'q5']],
    ['a hidden parent hides its children', { q2: 'no', q3: ['other'] }, ['q1', 'q2', 'q5']],
    ['numbers match show_if strings', { q1: 2 }, ['q1', 'q2', 'q5', 'q6']],
  ])('visible: %s', (name, answers, want) => {
    expect(Object.keys(rules.visibleIds(questions, answers))).toEqual(want)
  })

  test.each([
    ['all missing', {}, { q1: '此题为必答题', q2: '此题为必答题' }],
    ['shown required multiple empty', { q1: 4, q2: 'yes', q3: [] }, { q3: '此题为必答题' }],
    ['hidden required is not missing', { q1: 4, q2: 'no' }, {}],
    ['text too long', { q1: 4, q2: 'yes', q3: ['other'], q4: 'x'.repeat(21) }, { q4: '最多 20 字' }],
    ['zero is an answer', { q1: 4, q2: 'no', q5: 0 }, {}],
  ])('missing: %s', (name, answers, want) => {
    expect(rules.missing(questions, answers)).toEqual(want)
  })

  test('progress counts the shown questions only', () => {
    expect(rules.progress(questions, {})).toEqual({ done: 0, total: 3, percent: 0 })
    expect(rules.progress(questions, { q1: 5, q2: 'yes' })).toEqual({ done: 2, total: 4, percent: 50 })
    expect(rules.progress([], {})).toEqual({ done: 0, total: 0, percent: 0 })
  })

  test('payload keeps shown, answered questions, trimmed', () => {
    expect(rules.payload(questions, { q1: 5, q2: 'no', q3: ['tv'], q4: ' x ', q5: 0 })).toEqual({ q1: 5, q2: 'no', q5: 0 })
    expect(rules.payload(questions, { q1: 5, q2: 'yes', q3: ['other'], q4: ' 广播 ' })).toEqual({ q1: 5, q2: 'yes', q3: ['other'], q4: '广播' })
  })

  test('choices: fixed scales, districts, or the options', () => {
    expect(rules.choices({ type: 'likert5' }, []).map((c) => c.value)).toEqual([5, 4, 3, 2, 1])
    expect(rules.choices({ type: 'rating10' }, [])).toHaveLength(11)
    expect(rules.choices({ type: 'district' }, districts.list)).toHaveLength(9)
    expect(rules.choices({ type: 'single' }, [])).toEqual([])
  })

  test('districts: the point decides, outside Ordos none', () => {
    expect(districts.locate(39.8179, 109.9894).name).toBe('东胜区')
    expect(districts.locate(39.6086, 109.7813).adcode).toBe('150603')
    expect(districts.locate(31.23, 121.47)).toBeNull()
    expect(districts.locate('x', 1)).toBeNull()
    expect(districts.name('150627')).toBe('伊金霍洛旗')
  })
})

describe('answering page', () => {
  let submitted
  let startStatus
  let submitAnswer

  beforeEach(() => {
    reset(fake)
    submitted = []
    startStatus = null
    submitAnswer = null
    routes(fake, {
      'GET /api/v1/surveys/s1': json({ id: 's1', title: '2026 年满意度调查', description: '约 2 分钟', questions, open: true }),
      'POST /api/v1/surveys/s1/start': () => startStatus || json({ start_token: 'st1' }),
      'POST /api/v1/surveys/s1/responses': (req) => (submitted.push(req.data), submitAnswer || json({ id: 'r1' }, 201)),
    })
  })

  async function open() {
    const p = render('pages/survey/survey')
    p.instance.onLoad({ id: 's1' })
    await until(() => !p.data.loading && fake.calls.request.length >= 2)
    await until(() => p.instance.startToken || p.data.blocked)
    return p
  }

  const tap = (p, id, value) => p.instance.choose({ currentTarget: { dataset: { id, value } } })

  test('renders the questions, follows show_if, and tracks progress', async () => {
    const p = await open()
    let t = text(p)
    expect(t).toContain('2026 年满意度调查')
    expect(t).toContain('非常满意')
    expect(t).toContain('听说过')
    expect(t).not.toContain('从哪些渠道听说')
    expect(p.data.qs.find((q) => q.id === 'q5').choices).toHaveLength(11)
    expect(p.data.progress).toEqual({ done: 0, total: 3, percent: 0 })
    tap(p, 'q2', 'yes')
    expect(text(p)).toContain('从哪些渠道听说')
    tap(p, 'q3', 'tv')
    tap(p, 'q3', 'other')
    expect(p.data.qs.map((q) => q.id)).toEqual(['q1', 'q2', 'q3', 'q4', 'q5'])
    tap(p, 'q3', 'tv') // untick
    p.instance.input({ currentTarget: { dataset: { id: 'q4' } }, detail: { value: '广播' } })
    expect(p.data.qs.find((q) => q.id === 'q4').length).toBe(2)
    expect(p.data.qs.find((q) => q.id === 'q3').choices.filter((c) => c.checked).map((c) => c.value)).toEqual(['other'])
    tap(p, 'q1', 5)
    expect(p.data.progress.done).toBe(4)
    tap(p, 'q2', 'no')
    t = text(p)
    expect(t).not.toContain('其他渠道是')
    // the district comes from the location (康巴什区 here)
    expect(p.data.askDistrict).toBe(true)
    expect(p.data.districtNames[p.data.districtIndex]).toBe('康巴什区')
    expect(t).toContain('已按位置选择')
  })

  test('required answers are checked before submitting; the answers and start token are sent', async () => {
    const p = await open()
    await p.instance.submit()
    expect(submitted).toHaveLength(0)
    expect(fake.calls.toast).toContain('还有必答题未完成')
    expect(p.data.qs.filter((q) => q.error).map((q) => q.id)).toEqual(['q1', 'q2'])
    tap(p, 'q1', 4)
    expect(p.data.qs.find((q) => q.id === 'q1').error).toBe('')
    tap(p, 'q2', 'yes')
    tap(p, 'q3', 'wx')
    tap(p, 'q5', 0)
    p.instance.pickDistrict({ detail: { value: 0 } })
    await p.instance.submit()
    expect(submitted).toEqual([{ answers: { q1: 4, q2: 'yes', q3: ['wx'], q5: 0 }, district: '150602', start_token: 'st1' }])
    expect(text(p)).toContain('提交成功')
  })

  test('without a location the district must be picked', async () => {
    fake.location = null
    const p = await open()
    tap(p, 'q1', 4)
    tap(p, 'q2', 'no')
    await p.instance.submit()
    expect(submitted).toHaveLength(0)
    expect(text(p)).toContain('请选择所在旗区')
  })

  test('a failed submit keeps the answers and shows the reason; field errors land on their question', async () => {
    const p = await open()
    tap(p, 'q1', 4)
    tap(p, 'q2', 'no')
    submitAnswer = null
    fake.handler = ((inner) => (req) => (req.url.endsWith('/responses') ? null : inner(req)))(fake.handler)
    await p.instance.submit()
    expect(text(p)).toContain('网络连接失败')
    expect(p.data.done).toBe(false)
    expect(p.data.qs.find((q) => q.id === 'q1').choices.find((c) => c.checked).value).toBe(4)

    routes(fake, {
      'POST /api/v1/surveys/s1/responses': apiError(400, 'validation_failed', '请检查填写的内容', [{ field: 'answers.q2', code: 'invalid_option', message: '不是可选的答案' }]),
    })
    await p.instance.submit()
    expect(p.data.qs.find((q) => q.id === 'q2').error).toBe('不是可选的答案')
    expect(text(p)).toContain('请检查填写的内容')
  })

  test('answers of a failed submit come back when the survey is opened again, and go once sent', async () => {
    const p = await open()
    tap(p, 'q1', 2)
    tap(p, 'q2', 'yes')
    tap(p, 'q3', 'tv')
    p.instance.pickDistrict({ detail: { value: 8 } })
    const online = fake.handler
    fake.handler = (req) => (req.url.endsWith('/responses') ? null : online(req))
    await p.instance.submit()
    expect(p.data.submitError).toContain('网络连接失败')
    fake.handler = online
    const again = await open()
    expect(text(again)).toContain('已恢复上次未提交成功的答案')
    expect(again.data.qs.map((q) => q.id)).toEqual(['q1', 'q2', 'q3', 'q5', 'q6'])
    expect(again.data.districtNames[again.data.districtIndex]).toBe('伊金霍洛旗') // picked by hand, not the location
    await again.instance.submit()
    expect(submitted[submitted.length - 1]).toMatchObject({ answers: { q1: 2, q2: 'yes', q3: ['tv'] }, district: '150627' })
    const third = await open()
    expect(third.data.restored).toBe(false)
    expect(third.data.progress.done).toBe(0)
  })

  test.each([
    ['already_responded', '您已经填写过这份问卷'],
    ['quota_full', '您所在旗区的样本已满'],
    ['survey_not_open', '问卷不在开放时间内'],
  ])('%s from the service blocks the form with its message', async (code, message) => {
    submitAnswer = apiError(409, code, message)
    const p = await open()
    tap(p, 'q1', 4)
    tap(p, 'q2', 'no')
    await p.instance.submit()
    expect(text(p)).toContain(message)
    expect(p.data.blocked).toBe(message)
    tap(p, 'q1', 1) // no more changes once blocked
    expect(p.data.qs.find((q) => q.id === 'q1').choices.find((c) => c.checked).value).toBe(4)
  })

  test('start already says when the citizen has answered', async () => {
    startStatus = apiError(409, 'already_responded', '您已经填写过这份问卷')
    const p = await open()
    expect(text(p)).toContain('您已经填写过这份问卷')
    await p.instance.submit()
    expect(submitted).toHaveLength(0)
  })

  test('a district question takes the location and needs no separate picker', async () => {
    routes(fake, {
      'GET /api/v1/surveys/s2': json({ id: 's2', title: '分区调查', questions: [{ id: 'd', type: 'district', title: '您所在旗区', required: true }] }),
      'POST /api/v1/surveys/s2/start': json({ start_token: 'st2' }),
      'POST /api/v1/surveys/s2/responses': (req) => (submitted.push(req.data), json({ id: 'r' }, 201)),
    })
    const p = render('pages/survey/survey')
    p.instance.onLoad({ id: 's2' })
    await until(() => p.instance.startToken)
    expect(p.data.askDistrict).toBe(false)
    expect(p.data.qs[0].pickIndex).toBe(1)
    p.instance.pickDistrictQuestion({ currentTarget: { dataset: { id: 'd' } }, detail: { value: 8 } })
    await p.instance.submit()
    expect(submitted[0]).toEqual({ answers: { d: '150627' }, district: '150627', start_token: 'st2' })
  })

  test('an unknown survey shows the error', async () => {
    const p = render('pages/survey/survey')
    p.instance.onLoad({ id: 'nope' })
    await until(() => !p.data.loading)
    expect(text(p)).toContain('未找到')
  })
})

describe('survey list', () => {
  beforeEach(() => reset(fake))

  test('lists the open surveys and opens one', async () => {
    routes(fake, {
      'GET /api/v1/surveys': json({ items: [{ id: 's1', title: '满意度调查', description: '', closes_at: '2026-12-31T15:59:59Z', questions: [{}, {}] }], next_cursor: '' }),
    })
    const p = render('pages/surveys/surveys')
    p.instance.onLoad()
    await until(() => !p.data.loading)
    expect(text(p)).toContain('满意度调查')
    expect(text(p)).toContain('截止 2026-12-31 23:59 · 共 2 题')
    p.instance.open({ currentTarget: { dataset: { id: 's1' } } })
    expect(fake.calls.navigateTo).toContain('/pages/survey/survey?id=s1')
  })

  test('none open says so', async () => {
    routes(fake, { 'GET /api/v1/surveys': json({ items: [], next_cursor: '' }) })
    const p = render('pages/surveys/surveys')
    p.instance.onLoad()
    await until(() => !p.data.loading)
    expect(text(p)).toContain('目前没有正在进行的问卷')
  })
})

// Reporting a problem and following it up: the form's rules, the report
// page (category fields, photo limit, location), my reports, and the detail
// page's timeline and rating, against a fake API.
const { until, flush } = require('./helpers/wx')
const { render, text } = require('./helpers/page')
const { json, apiError, routes, reset } = require('./helpers/fakeapi')
const rules = require('../utils/complaint')
const config = require('../config')

const fake = global.__wxfake

const categories = [
  {
    code: 'illegal_dumping', name: '非法倾倒固体废物', description: '随意倾倒', urgent: false, resolve_days: 15,
    attributes: [
      { code: 'waste_type', datatype: 'singlevaluelist', required: false, description: '倾倒物类型', values: [{ key: 'household', name: '生活垃圾' }, { key: 'construction', name: '建筑垃圾' }] },
    ],
  },
  { code: 'hazardous_waste', name: '危险废物', urgent: true, resolve_days: 5, attributes: [{ code: 'leaking', datatype: 'singlevaluelist', required: true, description: '是否泄漏', values: [{ key: 'yes', name: '是' }, { key: 'no', name: '否' }] }] },
  {
    code: 'industrial_solid_waste', name: '工业固体废物', urgent: false, resolve_days: 15,
    attributes: [{ code: 'material', datatype: 'multivaluelist', required: false, description: '废物种类', values: [{ key: 'gangue', name: '煤矸石' }, { key: 'flyash', name: '粉煤灰' }] }],
  },
  { code: 'agricultural_waste', name: '农膜与秸秆', urgent: false, resolve_days: 15, attributes: [{ code: 'area_mu', datatype: 'number', required: false, description: '面积（亩）' }] },
]

describe('rules', () => {
  const form = (over) => Object.assign({ description: '路边倾倒', photos: [], lat: 39.8, lng: 109.9, attributes: {}, phone: '' }, over)

  test('fields follow the attributes, with the chosen values checked', () => {
    const f = rules.fields(categories[2], { material: 'gangue,flyash' })
    expect(f[0].options.map((o) => o.checked)).toEqual([true, true])
    expect(rules.fields(categories[0], {})[0].options.map((o) => o.checked)).toEqual([false, false])
    expect(rules.fields(null, {})).toEqual([])
  })

  test('toggle adds and removes keys', () => {
    expect(rules.toggle('', 'a')).toBe('a')
    expect(rules.toggle('a', 'b')).toBe('a,b')
    expect(rules.toggle('a,b', 'a')).toBe('b')
  })

  test.each([
    ['complete', categories[0], {}, {}],
    ['no category', null, {}, { category: '请选择问题类别' }],
    ['blank description', categories[0], { description: '  ' }, { description: '请描述问题' }],
    ['too long', categories[0], { description: 'x'.repeat(4001) }, { description: '描述不能超过 4000 字' }],
    ['no location', categories[0], { lat: null }, { location: '请选择问题位置' }],
    ['photo uploading', categories[0], { photos: [{ status: 'uploading' }] }, { photos: '照片还在上传，请稍候' }],
    ['photo failed', categories[0], { photos: [{ status: 'done' }, { status: 'failed' }] }, { photos: '有照片上传失败，请重试或删除' }],
    ['required attribute', categories[1], {}, { 'attributes.leaking': '请填写是否泄漏' }],
    ['number attribute', categories[3], { attributes: { area_mu: '十亩' } }, { 'attributes.area_mu': '请填写数字' }],
    ['bad phone', categories[0], { phone: 'abc' }, { contact_phone: '请填写正确的电话号码' }],
  ])('check: %s', (name, category, over, want) => {
    expect(rules.check(form(over), category)).toEqual(want)
  })

  test('body sends uploaded photos, trimmed text and set attributes only', () => {
    const b = rules.body(
      form({ description: ' 有人倾倒 ', address: ' 路口 ', photos: [{ id: 'u1', status: 'done' }], attributes: { waste_type: 'household', x: '' }, phone: ' 13800000000 ', anonymous: true }),
      categories[0],
    )
    expect(b).toEqual({ category: 'illegal_dumping', description: '有人倾倒', lat: 39.8, lng: 109.9, address: '路口', photos: ['u1'], anonymous: true, attributes: { waste_type: 'household' }, contact_phone: '13800000000' })
    expect(rules.body(form({}), categories[0]).contact_phone).toBeUndefined()
  })

  test('timeline is newest first, in words, without names of citizens', () => {
    const t = rules.timeline(
      [
        { at: '2026-01-01T00:00:00Z', action: 'submit', to: 'submitted', by_role: 'citizen' },
        { at: '2026-01-02T00:00:00Z', action: 'assign', to: 'assigned', by_role: 'admin', by_name: '王科长', handler: { name: '东胜区' }, note: '请核实' },
      ],
      (s) => s.slice(0, 10),
    )
    expect(t.map((x) => x.title)).toEqual(['交办', '提交举报'])
    expect(t[0]).toMatchObject({ status: '已交办', who: '王科长', handler: '东胜区', note: '请核实', when: '2026-01-02' })
    expect(t[1].who).toBe('市民')
  })
})

describe('report page', () => {
  let posted

  beforeEach(() => {
    reset(fake)
    posted = []
    fake.location = { latitude: 39.8179, longitude: 109.9894 }
    routes(fake, {
      'GET /api/v1/complaints/categories': json({ items: categories }),
      'UPLOAD /api/v1/uploads': (req) => (req.filePath.includes('bad') ? apiError(415, 'unsupported_file_type', '只能上传图片或 PDF') : json({ id: 'up-' + req.filePath.split('/').pop(), kind: 'image' }, 201)),
      'POST /api/v1/complaints': (req) => (posted.push(req.data), json({ id: 'WF1', status: 'submitted', status_label: '待受理', district: { name: '东胜区' }, duplicates: [] }, 201)),
    })
  })

  async function open(query) {
    const p = render('pages/complaint/report')
    p.instance.onLoad(query || {})
    await until(() => !p.data.loading)
    return p
  }

  test('shows the categories and the chosen one\'s extra fields; switching clears them', async () => {
    const p = await open()
    const t = text(p)
    expect(t).toContain('非法倾倒固体废物')
    expect(t).toContain('危险废物急')
    expect(p.data.locationText).toBe('东胜区 · 当前位置')
    p.instance.pickCategory({ currentTarget: { dataset: { code: 'illegal_dumping' } } })
    expect(text(p)).toContain('倾倒物类型')
    p.instance.pickOption({ currentTarget: { dataset: { code: 'waste_type', key: 'household' } } })
    expect(p.data.attrs[0].options[0].checked).toBe(true)
    p.instance.pickOption({ currentTarget: { dataset: { code: 'waste_type', key: 'household' } } }) // tap again: unset
    expect(p.data.form.attributes.waste_type).toBe('')
    p.instance.pickCategory({ currentTarget: { dataset: { code: 'industrial_solid_waste' } } })
    p.instance.pickOption({ currentTarget: { dataset: { code: 'material', key: 'gangue' } } })
    p.instance.pickOption({ currentTarget: { dataset: { code: 'material', key: 'flyash' } } })
    expect(p.data.form.attributes).toEqual({ material: 'gangue,flyash' })
    p.instance.pickCategory({ currentTarget: { dataset: { code: 'agricultural_waste' } } })
    expect(p.data.form.attributes).toEqual({})
    p.instance.inputAttr({ currentTarget: { dataset: { code: 'area_mu' } }, detail: { value: '12' } })
    expect(p.data.attrs[0].value).toBe('12')
  })

  test('a category can come from the link', async () => {
    const p = await open({ category: 'hazardous_waste' })
    expect(p.data.category.code).toBe('hazardous_waste')
    expect(text(p)).toContain('是否泄漏')
  })

  test('photos: at most 9, uploaded as picked; a failed one can be retried or removed', async () => {
    const p = await open()
    fake.media = Array.from({ length: 12 }, (_, i) => '/tmp/p' + i + '.jpg')
    await p.instance.addPhotos()
    expect(p.data.form.photos).toHaveLength(9)
    expect(p.data.form.photos.every((x) => x.status === 'done' && x.id.indexOf('up-') === 0)).toBe(true)
    await p.instance.addPhotos()
    expect(fake.calls.toast).toContain('最多 9 张照片')
    p.instance.removePhoto({ currentTarget: { dataset: { index: 0 } } })
    p.instance.removePhoto({ currentTarget: { dataset: { index: 0 } } })
    fake.media = ['/tmp/bad.txt', '/tmp/ok.jpg', '/tmp/extra.jpg']
    await p.instance.addPhotos()
    expect(p.data.form.photos).toHaveLength(9)
    const bad = p.data.form.photos.findIndex((x) => x.path === '/tmp/bad.txt')
    expect(p.data.form.photos[bad].status).toBe('failed')
    expect(fake.calls.toast).toContain('只能上传图片或 PDF')
    expect(text(p)).toContain('重试')
    p.instance.categories = null
    p.instance.pickCategory({ currentTarget: { dataset: { code: 'illegal_dumping' } } })
    p.instance.inputDescription({ detail: { value: '倾倒' } })
    await p.instance.submit()
    expect(posted).toHaveLength(0)
    expect(text(p)).toContain('有照片上传失败')
    p.instance.removePhoto({ currentTarget: { dataset: { index: bad } } })
    await p.instance.submit()
    expect(posted[0].photos).toHaveLength(8)
  })

  test('location: from the map, refused outside Ordos, required', async () => {
    fake.location = null
    const p = await open()
    expect(p.data.locationText).toBe('')
    p.instance.pickCategory({ currentTarget: { dataset: { code: 'illegal_dumping' } } })
    p.instance.inputDescription({ detail: { value: '河边有垃圾' } })
    await p.instance.submit()
    expect(text(p)).toContain('请选择问题位置')
    fake.chosenLocation = { latitude: 31.23, longitude: 121.47, name: '外滩', address: '上海' }
    p.instance.chooseLocation()
    expect(text(p)).toContain('该位置不在鄂尔多斯市范围内')
    await p.instance.submit()
    expect(posted).toHaveLength(0)
    fake.chosenLocation = { latitude: 39.6086, longitude: 109.7813, name: '康巴什区政府', address: '康巴什区某路' }
    p.instance.chooseLocation()
    expect(p.data.locationText).toBe('康巴什区 · 康巴什区政府')
    expect(p.data.form.address).toBe('康巴什区某路')
    await p.instance.submit()
    expect(posted[0]).toMatchObject({ lat: 39.6086, lng: 109.7813, address: '康巴什区某路' })
  })

  test('submits everything, asks for notifications first when configured, and shows the tracking number', async () => {
    config.subscribe.complaint = ['TMPL1']
    const p = await open()
    p.instance.pickCategory({ currentTarget: { dataset: { code: 'hazardous_waste' } } })
    p.instance.inputDescription({ detail: { value: '有桶装废液泄漏' } })
    await p.instance.submit()
    expect(text(p)).toContain('请填写是否泄漏')
    p.instance.pickOption({ currentTarget: { dataset: { code: 'leaking', key: 'yes' } } })
    p.instance.toggleAnonymous({ detail: { value: true } })
    p.instance.inputPhone({ detail: { value: '13800000000' } })
    p.instance.inputAddress({ detail: { value: '工业园区北门' } })
    await p.instance.submit()
    expect(fake.calls.subscribe).toEqual([['TMPL1']])
    expect(posted[0]).toEqual({
      category: 'hazardous_waste', description: '有桶装废液泄漏', lat: 39.8179, lng: 109.9894, address: '工业园区北门', photos: [],
      anonymous: true, attributes: { leaking: 'yes' }, contact_phone: '13800000000',
    })
    expect(text(p)).toContain('受理编号 WF1')
    p.instance.openFiled()
    expect(fake.calls.redirectTo).toContain('/pages/complaint/detail?id=WF1')
    p.instance.again()
    expect(p.data.form.description).toBe('')
  })

  test('a refused submit keeps the form and puts the reasons beside the fields', async () => {
    const p = await open()
    p.instance.pickCategory({ currentTarget: { dataset: { code: 'illegal_dumping' } } })
    p.instance.inputDescription({ detail: { value: '违规测试' } })
    routes(fake, {
      'POST /api/v1/complaints': apiError(422, 'content_rejected', '内容未通过安全检测', [{ field: 'description', code: 'content_rejected', message: '内容未通过安全检测' }]),
    })
    await p.instance.submit()
    expect(p.data.form.description).toBe('违规测试')
    expect(p.data.errors.description).toBe('内容未通过安全检测')
    expect(p.data.filed).toBeNull()
    routes(fake, { 'POST /api/v1/complaints': apiError(422, 'outside_area', '位置不在鄂尔多斯市范围内') })
    await p.instance.submit()
    expect(p.data.errors.location).toBe('位置不在鄂尔多斯市范围内')
    fake.handler = () => null
    await p.instance.submit()
    expect(text(p)).toContain('网络连接失败')
    expect(p.data.form.category).toBe('illegal_dumping')
  })

  test('possible duplicates can be followed', async () => {
    routes(fake, {
      'GET /api/v1/complaints/categories': json({ items: categories }),
      'POST /api/v1/complaints': json({ id: 'WF2', status_label: '待受理', district: {}, duplicates: [{ id: 'WF0', status_label: '办理中', description: '同一处垃圾', distance_m: 35.4, submitted_at: '2026-01-01T00:00:00Z' }] }, 201),
      'POST /api/v1/complaints/WF0/follow': json({ id: 'WF0' }),
    })
    const p = await open()
    p.instance.pickCategory({ currentTarget: { dataset: { code: 'illegal_dumping' } } })
    p.instance.inputDescription({ detail: { value: '垃圾' } })
    await p.instance.submit()
    expect(text(p)).toContain('附近已有相同问题正在办理')
    expect(text(p)).toContain('相距约 35 米')
    await p.instance.follow({ currentTarget: { dataset: { id: 'WF0' } } })
    expect(p.data.duplicates[0].followed).toBe(true)
    expect(text(p)).toContain('已关注')
  })

  test('once category and place are chosen, open cases nearby are offered to follow instead of filing', async () => {
    const asked = []
    let answer = json({ items: [{ id: 'WF0', status: 'in_progress', status_label: '办理中', lat: 39.818, lng: 109.989, description: '同一处垃圾', distance_m: 42.6, submitted_at: '2026-01-01T00:00:00Z' }] })
    const followed = []
    routes(fake, {
      'GET /api/v1/complaints/categories': json({ items: categories }),
      'GET /api/v1/complaints/nearby': (req) => (asked.push(req.url), answer),
      'POST /api/v1/complaints/WF0/follow': (req) => (followed.push(req.url), json({ id: 'WF0' })),
    })
    config.subscribe.complaint = ['TMPL1']
    const p = await open()
    // the place alone asks nothing
    expect(asked).toHaveLength(0)
    p.instance.pickCategory({ currentTarget: { dataset: { code: 'illegal_dumping' } } })
    await until(() => p.data.nearby.length === 1)
    expect(asked).toHaveLength(1)
    const q = new URL(asked[0]).searchParams
    expect([q.get('category'), q.get('lat'), q.get('lng')]).toEqual(['illegal_dumping', '39.8179', '109.9894'])
    expect(text(p)).toContain('附近已有 1 件同类问题正在办理')
    expect(text(p)).toContain('相距约 43 米')
    expect(text(p)).toContain('同一处垃圾')
    expect(text(p)).toContain('不是同一问题？请继续填写并提交')
    // the same question is not asked twice
    p.instance.pickCategory({ currentTarget: { dataset: { code: 'illegal_dumping' } } })
    expect(asked).toHaveLength(1)

    // following it instead: notices asked for inside the tap, then the way to my reports
    await p.instance.follow({ currentTarget: { dataset: { id: 'WF0' } } })
    expect(followed).toHaveLength(1)
    expect(fake.calls.subscribe).toEqual([['TMPL1']])
    expect(p.data.nearby[0].followed).toBe(true)
    expect(text(p)).toContain('已关注，办理进展会通知您')
    p.instance.mine()
    expect(fake.calls.redirectTo).toEqual(['/pages/complaint/mine'])

    // another category asks again; nothing nearby clears the offer
    answer = json({ items: [] })
    p.instance.pickCategory({ currentTarget: { dataset: { code: 'hazardous_waste' } } })
    await until(() => p.data.nearby.length === 0)
    expect(asked).toHaveLength(2)
    expect(text(p)).not.toContain('附近已有')
  })

  test('nearby: a place outside Ordos asks nothing, a failure shows nothing, an older answer is dropped', async () => {
    const asked = []
    const pending = []
    routes(fake, {
      'GET /api/v1/complaints/categories': json({ items: categories }),
      'GET /api/v1/complaints/nearby': (req) => {
        asked.push(req.url)
        return new Promise((resolve) => pending.push(resolve))
      },
    })
    const p = await open()
    fake.chosenLocation = { latitude: 31.23, longitude: 121.47, name: '外滩', address: '上海' }
    p.instance.chooseLocation()
    p.instance.pickCategory({ currentTarget: { dataset: { code: 'illegal_dumping' } } })
    expect(asked).toHaveLength(0)

    // two places in turn: the first answer arrives last and is ignored
    fake.chosenLocation = { latitude: 39.8179, longitude: 109.9894, name: '甲地' }
    p.instance.chooseLocation()
    fake.chosenLocation = { latitude: 39.8279, longitude: 109.9994, name: '乙地' }
    p.instance.chooseLocation()
    await until(() => pending.length === 2)
    pending[1](json({ items: [] }))
    pending[0](json({ items: [{ id: 'OLD', status_label: '办理中', description: '甲地的', distance_m: 5, submitted_at: '2026-01-01T00:00:00Z' }] }))
    await p.instance.checkNearby() // the pending question, now answered
    await flush()
    expect(p.data.nearby).toEqual([])

    // a failing service: no suggestions, and filing still works
    routes(fake, { 'GET /api/v1/complaints/nearby': apiError(429, 'rate_limited', '请求过于频繁') })
    p.instance.pickCategory({ currentTarget: { dataset: { code: 'hazardous_waste' } } })
    await p.instance.checkNearby()
    expect(p.data.nearby).toEqual([])
    expect(fake.calls.toast).toEqual([])
  })

  test('categories failing to load shows the error', async () => {
    routes(fake, {})
    const p = await open()
    expect(text(p)).toContain('未找到')
  })
})

describe('my reports and detail', () => {
  const base = {
    id: 'WF9', category_name: '非法倾倒固体废物', description: '路边垃圾', status: 'resolved', status_label: '已办结待评价', view: 'full',
    submitted_at: '2026-01-01T00:00:00Z', photos: ['u1'], result: '已清运', result_photos: ['u2'], district: { name: '东胜区' }, address: '某路',
    handler: { name: '市执法局' }, feedback: [], overdue: [],
    history: [
      { at: '2026-01-01T00:00:00Z', action: 'submit', to: 'submitted', by_role: 'citizen' },
      { at: '2026-01-03T00:00:00Z', action: 'resolve', to: 'resolved', by_role: 'department', by_name: '李四', note: '已清运' },
    ],
  }
  let feedbacks

  beforeEach(() => {
    reset(fake)
    feedbacks = []
    routes(fake, {
      'GET /api/v1/complaints/mine': json({ items: [base, Object.assign({}, base, { id: 'WF8', view: 'public', status: 'in_progress', status_label: '办理中' })], next_cursor: '' }),
      'GET /api/v1/complaints/WF9': json(base),
      'DOWNLOAD /api/v1/uploads/u1': { statusCode: 200 },
      'DOWNLOAD /api/v1/uploads/u2': { statusCode: 200 },
      'POST /api/v1/complaints/WF9/feedback': (req) => {
        feedbacks.push(req.data)
        const closed = !req.data.reopen
        return json(Object.assign({}, base, { status: closed ? 'closed' : 'in_progress', status_label: closed ? '已结案' : '办理中', feedback: [{ rating: req.data.rating, comment: req.data.comment, reopen: req.data.reopen, at: '2026-01-04T00:00:00Z' }] }))
      },
    })
  })

  test('my reports lists own and followed cases', async () => {
    const p = render('pages/complaint/mine')
    p.instance.onLoad()
    await until(() => !p.data.loading)
    expect(text(p)).toContain('已办结待评价')
    expect(p.data.items.map((i) => i.following)).toEqual([false, true])
    expect(text(p)).toContain('我关注的')
    p.instance.open({ currentTarget: { dataset: { id: 'WF9' } } })
    expect(fake.calls.navigateTo).toContain('/pages/complaint/detail?id=WF9')
    routes(fake, { 'GET /api/v1/complaints/mine': json({ items: [], next_cursor: '' }) })
    await p.instance.load()
    expect(text(p)).toContain('您还没有反映过问题')
  })

  async function openDetail() {
    const p = render('pages/complaint/detail')
    p.instance.onLoad({ id: 'WF9' })
    await until(() => !p.data.loading && p.data.resultPhotos.length === 1)
    return p
  }

  test('detail shows the result, photos and timeline; a low rating can reopen', async () => {
    const p = await openDetail()
    const t = text(p)
    expect(t).toContain('已清运')
    expect(t).toContain('承办单位：市执法局')
    expect(p.data.photos).toEqual(['wxfile://tmp/u1'])
    expect(p.data.timeline.map((x) => x.title)).toEqual(['办结', '提交举报'])
    expect(t).toContain('请评价办理结果')
    await p.instance.sendFeedback()
    expect(p.data.rateError).toBe('请先选择评分')
    p.instance.rate({ currentTarget: { dataset: { n: 2 } } })
    expect(text(p)).toContain('要求重新办理')
    p.instance.toggleReopen({ detail: { value: true } })
    p.instance.inputComment({ detail: { value: ' 还有垃圾 ' } })
    await p.instance.sendFeedback()
    expect(feedbacks).toEqual([{ rating: 2, comment: '还有垃圾', reopen: true }])
    expect(p.data.canRate).toBe(false)
    expect(text(p)).toContain('办理中')
    expect(fake.calls.toast).toContain('已要求重新办理')
  })

  test('a good rating closes it; reopen is not offered', async () => {
    const p = await openDetail()
    p.instance.rate({ currentTarget: { dataset: { n: 2 } } })
    p.instance.toggleReopen({ detail: { value: true } })
    p.instance.rate({ currentTarget: { dataset: { n: 5 } } })
    expect(p.data.reopen).toBe(false)
    expect(text(p)).not.toContain('问题没有解决')
    await p.instance.sendFeedback()
    expect(feedbacks[0]).toEqual({ rating: 5, comment: '', reopen: false })
    expect(text(p)).toContain('已结案')
    expect(text(p)).toContain('★★★★★')
  })

  test('a refused rating keeps it and says why; deadlines show', async () => {
    routes(fake, {
      'GET /api/v1/complaints/WF9': json(Object.assign({}, base, { status: 'in_progress', resolve_due: '2026-01-20T16:00:00Z', overdue: ['resolve'], extension: { state: 'approved', days: 5 } })),
    })
    const p = render('pages/complaint/detail')
    p.instance.onLoad({ id: 'WF9' })
    await until(() => !p.data.loading)
    expect(p.data.deadline).toBe('应于 2026-01-21 00:00 前办结（已延期 5 个工作日）（已超期）')
    expect(p.data.canRate).toBe(false)
    routes(fake, {
      'GET /api/v1/complaints/WF9': json(base),
      'POST /api/v1/complaints/WF9/feedback': apiError(409, 'wrong_status', '当前状态（已结案）不允许此操作'),
    })
    await p.instance.load()
    p.instance.rate({ currentTarget: { dataset: { n: 4 } } })
    await p.instance.sendFeedback()
    expect(text(p)).toContain('当前状态（已结案）不允许此操作')
    expect(p.data.rating).toBe(4)
  })

  test('an unknown case shows the error', async () => {
    routes(fake, {})
    const p = render('pages/complaint/detail')
    p.instance.onLoad({ id: 'nope' })
    await until(() => !p.data.loading)
    expect(text(p)).toContain('未找到')
  })
})

describe('a failed report survives closing the page', () => {
  beforeEach(() => {
    reset(fake)
    fake.location = { latitude: 39.8179, longitude: 109.9894 }
  })

  test('kept on failure, offered again, cleared once filed or discarded', async () => {
    let online = false
    routes(fake, {
      'GET /api/v1/complaints/categories': json({ items: categories }),
      'UPLOAD /api/v1/uploads': json({ id: 'u1' }, 201),
      'POST /api/v1/complaints': () => (online ? json({ id: 'WF5', status_label: '待受理', district: {}, duplicates: [] }, 201) : null),
    })
    const open = async () => {
      const p = render('pages/complaint/report')
      p.instance.onLoad({})
      await until(() => !p.data.loading)
      return p
    }
    const p = await open()
    p.instance.pickCategory({ currentTarget: { dataset: { code: 'illegal_dumping' } } })
    p.instance.pickOption({ currentTarget: { dataset: { code: 'waste_type', key: 'household' } } })
    p.instance.inputDescription({ detail: { value: '小区门口堆满垃圾' } })
    fake.media = ['/tmp/a.jpg']
    await p.instance.addPhotos()
    fake.chosenLocation = { latitude: 39.6086, longitude: 109.7813, name: '康巴什区政府', address: '康巴什区某路' }
    p.instance.chooseLocation()
    await p.instance.submit()
    expect(text(p)).toContain('网络连接失败')

    // the app is closed and opened again somewhere else
    fake.location = { latitude: 39.8179, longitude: 109.9894 }
    const again = await open()
    expect(text(again)).toContain('已恢复上次未提交成功的内容')
    expect(again.data.form).toMatchObject({ category: 'illegal_dumping', description: '小区门口堆满垃圾', lat: 39.6086, address: '康巴什区某路', attributes: { waste_type: 'household' } })
    expect(again.data.form.photos.map((x) => x.id)).toEqual(['u1'])
    expect(again.data.attrs[0].options[0].checked).toBe(true)
    expect(again.data.locationText).toBe('康巴什区 · 康巴什区政府')
    online = true
    await again.instance.submit()
    expect(again.data.filed.id).toBe('WF5')
    const fresh = await open()
    expect(fresh.data.restored).toBe(false)
    expect(fresh.data.form.description).toBe('')

    // a kept draft can also be thrown away
    online = false
    fresh.instance.pickCategory({ currentTarget: { dataset: { code: 'illegal_dumping' } } })
    fresh.instance.inputDescription({ detail: { value: '又一个' } })
    await fresh.instance.submit()
    const third = await open()
    expect(third.data.form.description).toBe('又一个')
    third.instance.discardDraft()
    expect(third.data.form.description).toBe('')
    expect((await open()).data.restored).toBe(false)
  })
})

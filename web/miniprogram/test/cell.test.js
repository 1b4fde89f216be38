// 无废细胞 on the phone: the credit-code check, the rubric as a form, and
// the application, list, public list and verification pages against a
// fake API.
const { until } = require('./helpers/wx')
const { render, text } = require('./helpers/page')
const { json, apiError, routes, reset } = require('./helpers/fakeapi')
const credit = require('../utils/creditcode')
const rules = require('../utils/cell')

const fake = global.__wxfake

const types = {
  defaults: true,
  note: '评分细则为默认值：尚无官方发布的评分标准',
  items: [
    {
      code: 'school', name: '学校', pass_mark: 80, validity_years: 3,
      items: [
        { code: 'S01', text: '建立制度', category: '组织管理', max_score: 40, evidence: 'document', veto: false },
        { code: 'S02', text: '垃圾分类设施', category: '生活垃圾', max_score: 40, evidence: 'photo', veto: false },
        { code: 'S03', text: '无违法记录', category: '合规', max_score: 20, evidence: '', veto: true },
      ],
    },
    { code: 'hotel', name: '酒店', pass_mark: 80, validity_years: 3, items: [] },
  ],
}

const VALID = '91350100M000100Y43'

describe('credit code', () => {
  test.each([
    ['valid', VALID, ''],
    ['valid, digit check', '914403001922038216', ''],
    ['short', '9135010', '统一社会信用代码应为18位，当前为7位'],
    ['forbidden letter', '91350100I000100Y43', '统一社会信用代码第9位“I”不是允许的字符（数字或除I、O、Z、S、V以外的大写字母）'],
    ['wrong check', '91350100M000100Y44', '统一社会信用代码校验位不正确，请核对'],
  ])('%s', (name, code, want) => {
    expect(credit.validate(code)).toBe(want)
  })

  test('normalize: spaces, full width and lower case', () => {
    expect(credit.normalize(' ９１350100m000100y43 ')).toBe(VALID)
    expect(credit.checkChar('91350100M000100Y4')).toBe('3')
    expect(credit.checkChar('short')).toBe('')
    expect(credit.checkChar('9135010OM000100Y4')).toBe('')
  })
})

describe('rules', () => {
  test('rows carry scores, evidence and the errors of their item', () => {
    const r = rules.rows(types.items[0], { S01: { score: 30, evidence: ['u1'] } }, { 'self_assessment.S01.evidence': '缺少证明材料', 'self_assessment.S010': 'x', 'unit.name': 'y' })
    expect(r[0]).toMatchObject({ code: 'S01', score: '30', evidenceText: '需上传证明材料（图片或 PDF）', error: '缺少证明材料' })
    expect(r[0].evidence).toEqual([{ id: 'u1', status: 'done', name: '' }])
    expect(r[1]).toMatchObject({ score: '', evidenceText: '需上传现场照片', error: '' })
    expect(r[2].veto).toBe(true)
    expect(rules.rows(null, {}, {})).toEqual([])
  })

  test('total and editable', () => {
    expect(rules.total({ a: { score: '10' }, b: { score: 5.5 }, c: { score: '' } })).toBe(15.5)
    expect(['draft', 'returned', undefined].map(rules.editable)).toEqual([true, true, true])
    expect(['submitted', 'certified'].map(rules.editable)).toEqual([false, false])
  })

  const unit = { name: '一中', credit_code: VALID, type: 'school', address: '路', lat: 39.8, lng: 109.9, contact_name: '李', contact_phone: '13800000000' }

  test('check names each missing unit field and out-of-range scores', () => {
    expect(rules.check(unit, types.items[0], { S01: { score: '40' } }, '')).toEqual({})
    const errs = rules.check({ name: ' ', credit_code: '', type: '', address: '', lat: null, lng: null, contact_name: '', contact_phone: 'x' }, types.items[0], { S01: { score: '41' }, S02: { score: '-1' }, S03: { score: 'abc' } }, '代码错误')
    expect(Object.keys(errs).sort()).toEqual(['self_assessment.S01.score', 'self_assessment.S02.score', 'self_assessment.S03.score', 'unit.address', 'unit.contact_name', 'unit.contact_phone', 'unit.credit_code', 'unit.lat', 'unit.name', 'unit.type'])
    expect(errs['self_assessment.S01.score']).toBe('分值应在 0–40 之间')
  })

  test('body sends uploaded evidence and given scores only', () => {
    const b = rules.body(Object.assign({}, unit, { name: ' 一中 ' }), {
      S01: { score: '40', evidence: [{ id: 'u1', status: 'done' }, { id: 'tmp', status: 'uploading' }] },
      S02: { score: '', evidence: [{ id: 'u2', status: 'done' }] },
      S03: { score: '', evidence: [] },
    })
    expect(b.unit.name).toBe('一中')
    expect(b.self_assessment).toEqual({ S01: { score: 40, evidence: ['u1'] }, S02: { evidence: ['u2'] } })
  })
})

describe('application page', () => {
  let saved
  const app = (over) =>
    Object.assign(
      {
        id: 'A1', status: 'draft', type_name: '学校', pass_mark: 80, self_total: 40,
        unit: { name: '一中', credit_code: VALID, type: 'school', district: '150602', district_name: '东胜区', address: '路', lat: 39.8, lng: 109.9, contact_name: '李', contact_phone: '13800000000' },
        self_assessment: { S01: { score: 40, evidence: ['u1'] } }, history: [{ action: 'edit', to: 'draft', by: { name: '' }, at: '2026-01-01T00:00:00Z' }],
      },
      over,
    )

  beforeEach(() => {
    reset(fake)
    saved = []
    fake.location = { latitude: 39.8179, longitude: 109.9894 }
    routes(fake, {
      'GET /api/v1/cells/types': json(types),
      'GET /api/v1/cells/applications/A1': json(app()),
      'POST /api/v1/cells/applications': (req) => (saved.push(['POST', req.data]), json(app({ unit: Object.assign(app().unit, req.data.unit) }), 201)),
      'PATCH /api/v1/cells/applications/A1': (req) => (saved.push(['PATCH', req.data]), json(app())),
      'POST /api/v1/cells/applications/A1/submit': () => (saved.push(['SUBMIT']), json(app({ status: 'submitted' }))),
      'POST /api/v1/cells/applications/A1/withdraw': () => (saved.push(['WITHDRAW']), json(app({ status: 'withdrawn' }))),
      'UPLOAD /api/v1/uploads': (req) => json({ id: 'up-' + req.filePath.split('/').pop() }, 201),
    })
  })

  async function open(query) {
    const p = render('pages/cells/application/index')
    p.instance.onLoad(query || {})
    await until(() => !p.data.loading)
    return p
  }

  const fill = (p) => {
    p.instance.inputCredit({ detail: { value: VALID.toLowerCase() } })
    p.instance.inputUnit({ currentTarget: { dataset: { f: 'name' } }, detail: { value: '第一中学' } })
    p.instance.pickType({ detail: { value: 0 } })
    p.instance.inputUnit({ currentTarget: { dataset: { f: 'address' } }, detail: { value: '东胜区某路' } })
    p.instance.inputUnit({ currentTarget: { dataset: { f: 'contact_name' } }, detail: { value: '李老师' } })
    p.instance.inputUnit({ currentTarget: { dataset: { f: 'contact_phone' } }, detail: { value: '13800000000' } })
  }

  test('a new application: the defaults note, the credit check, the rubric with veto items and evidence', async () => {
    const p = await open()
    let t = text(p)
    expect(t).toContain('评分细则为默认值')
    expect(p.data.locationText).toBe('东胜区')
    p.instance.inputCredit({ detail: { value: '91350100M000100Y44' } })
    expect(text(p)).toContain('校验位不正确')
    fill(p)
    expect(p.data.unit.credit_code).toBe(VALID)
    expect(text(p)).toContain('代码格式正确')
    t = text(p)
    expect(t).toContain('一票否决')
    expect(t).toContain('需上传现场照片')
    expect(t).toContain('合计 0 / 合格线 80 分')
    p.instance.inputScore({ currentTarget: { dataset: { code: 'S01' } }, detail: { value: '35' } })
    p.instance.inputScore({ currentTarget: { dataset: { code: 'S03' } }, detail: { value: '20' } })
    expect(p.data.total).toBe(55)
    // a PDF from a chat for the document item, photos for the photo item (at most 9)
    fake.actionSheetIndex = 1
    fake.files = ['/tmp/制度.pdf']
    await p.instance.addEvidence({ currentTarget: { dataset: { code: 'S01', kind: 'document' } } })
    expect(p.data.rows[0].evidence).toMatchObject([{ id: 'up-制度.pdf', status: 'done', name: '制度.pdf' }])
    fake.media = Array.from({ length: 12 }, (_, i) => '/tmp/s' + i + '.jpg')
    await p.instance.addEvidence({ currentTarget: { dataset: { code: 'S02', kind: 'photo' } } })
    expect(p.data.rows[1].evidence).toHaveLength(9)
    expect(text(p)).not.toContain('+ 上传照片')
    p.instance.removeEvidence({ currentTarget: { dataset: { code: 'S02', index: 0 } } })
    expect(p.data.rows[1].evidence).toHaveLength(8)
    await p.instance.save()
    expect(saved[0][0]).toBe('POST')
    expect(saved[0][1].unit).toEqual({ name: '第一中学', credit_code: VALID, type: 'school', address: '东胜区某路', lat: 39.8179, lng: 109.9894, contact_name: '李老师', contact_phone: '13800000000' })
    expect(saved[0][1].self_assessment.S01).toEqual({ score: 35, evidence: ['up-制度.pdf'] })
    expect(saved[0][1].self_assessment.S02.evidence).toHaveLength(8)
    expect(fake.calls.toast).toContain('已保存')
    expect(p.data.app.id).toBe('A1')
  })

  test('nothing is sent while the form has errors, and a refusal keeps the form with errors on the items', async () => {
    const p = await open()
    await p.instance.save()
    expect(saved).toHaveLength(0)
    expect(text(p)).toContain('请填写单位名称')
    expect(text(p)).toContain('请完善标红的内容')
    fill(p)
    p.instance.inputScore({ currentTarget: { dataset: { code: 'S01' } }, detail: { value: '50' } })
    await p.instance.save()
    expect(saved).toHaveLength(0)
    expect(p.data.rows[0].error).toBe('分值应在 0–40 之间')
    p.instance.inputScore({ currentTarget: { dataset: { code: 'S01' } }, detail: { value: '40' } })
    expect(p.data.rows[0].error).toBe('')
    routes(fake, {
      'POST /api/v1/cells/applications': apiError(409, 'unit_has_open_application', '该单位已有进行中的申报', [{ field: 'unit.credit_code', code: 'taken', message: '该单位已有进行中的申报' }]),
    })
    await p.instance.save()
    expect(p.data.errors['unit.credit_code']).toBe('该单位已有进行中的申报')
    expect(p.data.unit.name).toBe('第一中学')
    expect(p.data.app).toBeNull()
  })

  test('an existing draft is patched and submitted; incomplete items come back on the rubric', async () => {
    const p = await open({ id: 'A1' })
    expect(p.data.statusText).toBe('草稿')
    expect(p.data.rows[0].score).toBe('40')
    routes(fake, {
      'PATCH /api/v1/cells/applications/A1': (req) => (saved.push(['PATCH', req.data]), json(app())),
      'POST /api/v1/cells/applications/A1/submit': apiError(422, 'assessment_incomplete', '自评未完成', [{ field: 'self_assessment.S02.score', code: 'required', message: '请打分' }, { field: 'self_assessment.S02.evidence', code: 'required', message: '请上传现场照片' }]),
    })
    await p.instance.submit()
    expect(saved[0][0]).toBe('PATCH')
    expect(saved[0][1].unit.credit_code).toBe(VALID)
    expect(p.data.rows[1].error).toBe('请打分；请上传现场照片')
    expect(text(p)).toContain('自评未完成')
    expect(p.data.canEdit).toBe(true)
  })

  test('a returned application shows why, can be revised and resubmitted, or withdrawn', async () => {
    routes(fake, {
      'GET /api/v1/cells/types': json(types),
      'GET /api/v1/cells/applications/A1': json(app({ status: 'returned', district_review: { decision: 'return', comment: '请补充制度文件' }, history: [{ action: 'district_return', to: 'returned', comment: '请补充制度文件', by: { name: '东胜区' }, at: '2026-01-02T00:00:00Z' }] })),
      'PATCH /api/v1/cells/applications/A1': () => json(app({ status: 'returned' })),
      'POST /api/v1/cells/applications/A1/submit': () => (saved.push(['SUBMIT']), json(app({ status: 'submitted' }))),
      'POST /api/v1/cells/applications/A1/withdraw': () => (saved.push(['WITHDRAW']), json(app({ status: 'withdrawn' }))),
    })
    const p = await open({ id: 'A1' })
    const t = text(p)
    expect(t).toContain('退回修改')
    expect(t).toContain('退回意见：请补充制度文件')
    expect(t).toContain('旗区初审退回')
    expect(p.data.canEdit).toBe(true)
    expect(p.data.canWithdraw).toBe(true)
    require('../config').subscribe.cell = ['CELL_TMPL']
    await p.instance.submit()
    expect(fake.calls.subscribe).toEqual([['CELL_TMPL']])
    expect(saved).toEqual([['SUBMIT']])
    expect(p.data.statusText).toBe('待旗区初审')
    expect(p.data.canEdit).toBe(false)
    expect(fake.calls.toast).toContain('已提交，请等待旗区初审')
    await p.instance.withdraw()
    expect(saved).toEqual([['SUBMIT'], ['WITHDRAW']])
    expect(p.data.statusText).toBe('已撤回')
  })

  test('a certified application links to its certificate', async () => {
    routes(fake, {
      'GET /api/v1/cells/types': json(types),
      'GET /api/v1/cells/applications/A1': json(app({ status: 'certified', certificate: 'WFXB-2026-0001' })),
    })
    const p = await open({ id: 'A1' })
    expect(text(p)).toContain('证书编号 WFXB-2026-0001')
    expect(p.data.canEdit).toBe(false)
    p.instance.openCertificate()
    expect(fake.calls.navigateTo).toContain('/pages/cells/verify/index?number=WFXB-2026-0001')
  })

  test('a failure to load shows the error', async () => {
    routes(fake, { 'GET /api/v1/cells/types': json(types) })
    const p = await open({ id: 'A1' })
    expect(text(p)).toContain('未找到')
  })
})

describe('lists and verification', () => {
  beforeEach(() => reset(fake))

  const cert = { number: 'WFXB-2026-0001', unit_name: '第一中学', type_name: '学校', district_name: '东胜区', credit_code: VALID, address: '东胜区某路', lat: 39.8, lng: 109.9, issued_at: '2026-01-01T02:00:00Z', expires_at: '2028-12-31T16:00:00Z', status: 'valid' }

  test('certified list with counts by type', async () => {
    const asked = []
    routes(fake, {
      'GET /api/v1/cells/types': json(types),
      'GET /api/v1/cells/certified': (req) => (asked.push(req.url), json({ items: req.url.includes('type=hotel') ? [] : [cert], next_cursor: '', counts: { total: 1, by_type: [{ code: 'school', name: '学校', count: 1 }], by_district: [{ adcode: '150602', name: '东胜区', count: 1 }] } })),
    })
    const p = render('pages/cells/index/index')
    p.instance.onLoad()
    await until(() => !p.data.loading && p.data.types.length)
    expect(text(p)).toContain('全部 1')
    expect(text(p)).toContain('学校 1')
    expect(p.data.types.find((t) => t.code === 'hotel').count).toBe(0)
    expect(text(p)).toContain('第一中学')
    expect(text(p)).toContain('有效期至 2029-01-01')
    await p.instance.pickType({ currentTarget: { dataset: { type: 'hotel' } } })
    expect(text(p)).toContain('暂无已认定的无废细胞')
    expect(asked[asked.length - 1]).toContain('type=hotel')
    p.instance.apply()
    p.instance.mine()
    p.instance.open({ currentTarget: { dataset: { number: 'WFXB-2026-0001' } } })
    expect(fake.calls.navigateTo).toEqual(['/pages/cells/application/index', '/pages/cells/applications/index', '/pages/cells/verify/index?number=WFXB-2026-0001'])

    // the map: one marker per unit with a location, tapping opens its certificate
    await p.instance.pickType({ currentTarget: { dataset: { type: '' } } })
    expect(p.data.markers).toMatchObject([{ id: 0, latitude: 39.8, longitude: 109.9, title: '第一中学' }])
    expect(p.data.center).toEqual({ latitude: 39.8, longitude: 109.9 })
    p.instance.tapMarker({ detail: { markerId: 0 } })
    expect(fake.calls.navigateTo[3]).toBe('/pages/cells/verify/index?number=WFXB-2026-0001')
  })

  test('publicity: listed for anyone, and an objection is sent with its reason', async () => {
    const sent = []
    routes(fake, {
      'GET /api/v1/cells/types': json(types),
      'GET /api/v1/cells/certified': json({ items: [], next_cursor: '', counts: { total: 0, by_type: [], by_district: [] } }),
      'GET /api/v1/cells/publicity': json({ items: [{ application_id: 'A7', unit_name: '第二中学', type_name: '学校', district_name: '东胜区', score: 92, start: '2026-01-01T00:00:00Z', end: '2026-01-08T00:00:00Z' }] }),
      'POST /api/v1/cells/applications/A7/objections': (req) => (sent.push(req.data), json({ id: 'o1', status: 'open' }, 201)),
    })
    const p = render('pages/cells/index/index')
    p.instance.onLoad()
    await until(() => !p.data.loading && p.data.publicity.length)
    expect(text(p)).toContain('第二中学')
    expect(text(p)).toContain('公示至 2026-01-08 08:00')
    const ev = { currentTarget: { dataset: { id: 'A7', name: '第二中学' } } }
    fake.modalContent = '  '
    await p.instance.object(ev)
    expect(fake.calls.toast).toContain('请填写异议理由')
    fake.modalConfirm = false
    fake.modalContent = '不是真的'
    await p.instance.object(ev)
    expect(sent).toHaveLength(0)
    fake.modalConfirm = true
    await p.instance.object(ev)
    expect(sent).toEqual([{ text: '不是真的' }])
    expect(fake.calls.toast).toContain('异议已提交，市无废办将核实处理')
    routes(fake, { 'POST /api/v1/cells/applications/A7/objections': apiError(409, 'publicity_ended', '公示期已结束，不能再提出异议') })
    await p.instance.object(ev)
    expect(fake.calls.toast).toContain('公示期已结束，不能再提出异议')
  })

  test('my applications', async () => {
    routes(fake, { 'GET /api/v1/cells/applications': json({ items: [{ id: 'A1', status: 'returned', type_name: '学校', unit: { name: '第一中学' }, updated_at: '2026-01-01T00:00:00Z' }], next_cursor: '' }) })
    const p = render('pages/cells/applications/index')
    p.instance.onLoad()
    await until(() => !p.data.loading)
    expect(text(p)).toContain('第一中学')
    expect(text(p)).toContain('退回修改')
    p.instance.open({ currentTarget: { dataset: { id: 'A1' } } })
    p.instance.create()
    expect(fake.calls.navigateTo).toEqual(['/pages/cells/application/index?id=A1', '/pages/cells/application/index'])
  })

  test('verification from a scanned code: valid, revoked, missing, unknown', async () => {
    routes(fake, {
      'GET /api/v1/cells/certificates/WFXB-2026-0001': json(cert),
      'GET /api/v1/cells/certificates/WFXB-2026-0002': json(Object.assign({}, cert, { number: 'WFXB-2026-0002', status: 'revoked', revoke_reason: '发生违法行为' })),
    })
    const v = render('pages/cells/verify/index')
    await v.instance.onLoad({ scene: encodeURIComponent('WFXB-2026-0001') })
    expect(text(v)).toContain('✓ 证书有效')
    expect(text(v)).toContain('2028-12-31') // the last valid day
    expect(v.data.qr).toBe('http://api.test/api/v1/cells/certificates/WFXB-2026-0001/qrcode')
    v.instance.openMap()
    expect(fake.calls.openLocation[0]).toMatchObject({ latitude: 39.8, longitude: 109.9, name: '第一中学' })
    fake.calls.request.forEach((r) => expect(r.header.Authorization).toBeUndefined())

    const r = render('pages/cells/verify/index')
    await r.instance.onLoad({ number: 'WFXB-2026-0002' })
    expect(text(r)).toContain('证书已撤销')
    expect(text(r)).toContain('发生违法行为')

    const m = render('pages/cells/verify/index')
    await m.instance.onLoad({})
    expect(text(m)).toContain('二维码无效')

    const u = render('pages/cells/verify/index')
    await u.instance.onLoad({ scene: 'nope' })
    expect(text(u)).toContain('未找到')
  })
})

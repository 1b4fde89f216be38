// End to end: a 无废细胞 in publicity is listed on the public cells page, and
// a citizen objects to it there, the reason asked in a dialog; the admin sees
// the objection and who raised it, certification waits for it, and once the
// admin dismisses it the applicant's timeline shows both, without the
// objector. It runs on a server of its own whose publicity lasts the usual 7
// days: the shared one ends publicity at once (so that other tests can
// certify), which leaves no time to object.
const path = require('path')
const { until, realUpload } = require('../helpers/wx')
const { render, text, ROOT } = require('../helpers/page')
const server = require('../helpers/server')
const e2e = require('../helpers/e2e')
const config = require('../../config')
const credit = require('../../utils/creditcode')

const fake = global.__wxfake
const PHOTO = path.join(ROOT, 'images/tab-chart-active.png')
const CODE = '91150602MA0N00002' + credit.checkChar('91150602MA0N00002')
const UNIT = '鄂尔多斯市公示示范学校'
const REASON = '该校食堂仍在使用一次性餐具，与申报材料不符'

let srv
let api
let appId

/** as makes the mini-program's next request log in as the citizen with openid. */
function as(openid) {
  fake.store.clear()
  fake.store.set('wufei_dev_openid', openid)
}

beforeAll(async () => {
  srv = await server.start(process.env.WUFEI_E2E_BIN, {}) // publicity: the default 7 days
  api = e2e.client(
    () => srv.base,
    () => srv.admin,
  )
  config.apiBase = srv.base
  config.devLogin = true
  fake.handler = null

  // An application through both reviews, seeded as the applicant, the
  // district and the city would (the application flow has its own test).
  const applicant = await api.citizen('e2e-pub-applicant')
  const up = await realUpload({ url: srv.base + '/api/v1/uploads', filePath: PHOTO, name: 'file', header: { Authorization: 'Bearer ' + applicant } })
  expect(up.statusCode).toBe(201)
  const evidence = JSON.parse(up.data).id
  const type = (await api.call('GET', '/api/v1/cells/types', '')).data.items.find((t) => t.code === 'school')
  const self = {}
  const scores = {}
  type.items.forEach((it) => {
    self[it.code] = { score: it.max_score, evidence: [evidence] }
    scores[it.code] = it.max_score
  })
  const unit = { name: UNIT, credit_code: CODE, type: 'school', address: '东胜区学府路 2 号', lat: 39.8179, lng: 109.9894, contact_name: '李老师', contact_phone: '13800000002' }
  let r = await api.call('POST', '/api/v1/cells/applications', applicant, { unit, self_assessment: self })
  expect(r.statusCode).toBe(201)
  appId = r.data.id
  r = await api.call('POST', '/api/v1/cells/applications/' + appId + '/submit', applicant)
  expect(r.statusCode).toBe(200)
  const district = await api.staff('dongsheng', 'district', { districts: ['150602'] })
  r = await api.call('POST', '/api/v1/cells/applications/' + appId + '/district-review', district, { decision: 'pass', scores })
  expect(r.statusCode).toBe(200)
  r = await api.call('POST', '/api/v1/cells/applications/' + appId + '/city-review', await api.admin(), { decision: 'pass', scores })
  expect(r.statusCode).toBe(200)
  expect(r.data.status).toBe('publicity')
}, 60000)

afterAll(async () => {
  if (srv) await srv.stop()
})

test('a citizen objects to a cell in publicity; the admin resolves it and the applicant sees the outcome', async () => {
  // The public page lists the publicity with the way to object.
  as('e2e-pub-objector')
  const p = render('pages/cells/index/index')
  p.instance.onLoad()
  await until(() => !p.data.loading && p.data.publicity.length)
  const listed = p.data.publicity.find((x) => x.application_id === appId)
  expect(listed).toMatchObject({ unit_name: UNIT, type_name: '学校', district_name: '东胜区', score: 100 })
  expect(text(p)).toContain(UNIT)
  expect(text(p)).toContain('提出异议')
  const ev = { currentTarget: { dataset: { id: appId, name: UNIT } } }

  // No reason, nothing sent; cancelled, nothing sent.
  fake.modalConfirm = true
  fake.modalContent = '   '
  await p.instance.object(ev)
  expect(fake.calls.toast).toContain('请填写异议理由')
  fake.modalConfirm = false
  fake.modalContent = REASON
  await p.instance.object(ev)
  let app = (await api.call('GET', '/api/v1/cells/applications/' + appId, await api.admin())).data
  expect(app.objections).toHaveLength(0)

  // Sent: the objector logs in silently on the way.
  fake.modalConfirm = true
  await p.instance.object(ev)
  expect(fake.calls.modal[fake.calls.modal.length - 1].title).toBe('对“' + UNIT + '”提出异议')
  expect(fake.calls.toast).toContain('异议已提交，市无废办将核实处理')
  expect(fake.store.get('wufei_token')).toBeTruthy()

  // The admin sees it, and who raised it; it holds certification.
  const admin = await api.admin()
  app = (await api.call('GET', '/api/v1/cells/applications/' + appId, admin)).data
  expect(app.objections).toHaveLength(1)
  const ob = app.objections[0]
  expect(ob).toMatchObject({ text: REASON, status: 'open' })
  expect(ob.by).toBeTruthy()
  let r = await api.call('POST', '/api/v1/cells/applications/' + appId + '/certify', admin)
  expect(r.statusCode).toBe(409)
  r = await api.call('POST', '/api/v1/cells/applications/' + appId + '/objections/' + ob.id + '/resolve', admin, { decision: 'dismiss', resolution: '经现场核查，食堂已改用可循环餐具' })
  expect(r.statusCode).toBe(200)
  expect(r.data.objections[0].status).toBe('dismissed')

  // The applicant's page: still in publicity, the objection and its
  // dismissal in the timeline, the objector's identity nowhere.
  as('e2e-pub-applicant')
  const mine = render('pages/cells/application/index')
  mine.instance.onLoad({ id: appId })
  await until(() => !mine.data.loading)
  expect(mine.data.statusText).toBe('公示中')
  expect(mine.data.publicity).toMatch(/至/)
  const titles = mine.data.timeline.map((t) => t.title)
  expect(titles.slice(0, 3)).toEqual(['异议不成立，继续公示', '收到公示异议', '市级复审通过，进入公示'])
  expect(mine.data.timeline.find((t) => t.title === '收到公示异议').who).toBe('公众')
  expect(mine.data.app.objections[0].by).toBeUndefined()
  expect(JSON.stringify(mine.data.app)).not.toContain(ob.by.user_id)
  expect(text(mine)).toContain('异议不成立，继续公示')
})

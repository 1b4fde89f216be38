// End to end: a citizen registers a unit and fills the factory rubric with
// evidence in the application page, saves a draft, submits; the district
// returns it, the citizen revises and resubmits; the district and the city
// pass it, the admin certifies it; the certificate shows in the public list
// and on the verification page a scanned QR code opens.
const path = require('path')
const { until } = require('../helpers/wx')
const { render, text, ROOT } = require('../helpers/page')
const e2e = require('../helpers/e2e')
const config = require('../../config')
const credit = require('../../utils/creditcode')

const fake = global.__wxfake
const PHOTO = path.join(ROOT, 'images/tab-chart-active.png')
const CODE = '91150602MA0N00000' + credit.checkChar('91150602MA0N00000')

let district

beforeAll(async () => {
  config.apiBase = e2e.base()
  config.devLogin = true
  fake.handler = null
  fake.store.clear()
  fake.store.set('wufei_dev_openid', 'e2e-applicant')
  fake.location = { latitude: 39.8179, longitude: 109.9894 } // 东胜区
  const admin = await e2e.admin()
  const u = await e2e.call('POST', '/api/v1/admin/users', admin, { username: 'dongsheng', password: 'district-pass-1', role: 'district', districts: ['150602'] })
  expect(u.statusCode).toBe(201)
  const l = await e2e.call('POST', '/api/v1/auth/login', '', { username: 'dongsheng', password: 'district-pass-1' })
  district = l.data.token
})

async function openApp(query) {
  const p = render('pages/cells/application/index')
  p.instance.onLoad(query || {})
  await until(() => !p.data.loading)
  return p
}

async function scoreAll(p, evidence) {
  for (const r of p.data.rows) {
    p.instance.inputScore({ currentTarget: { dataset: { code: r.code } }, detail: { value: String(r.max) } })
    if (evidence && r.evidenceKind) {
      fake.media = [PHOTO]
      // document items offer images or a PDF: pick the image
      global.wx.showActionSheet = (o) => o.success({ tapIndex: 0 })
      await p.instance.addEvidence({ currentTarget: { dataset: { code: r.code, kind: r.evidenceKind } } })
    }
  }
}

test('apply, be returned, revise, get certified, and verify the certificate', async () => {
  const p = await openApp()
  expect(p.data.defaultsNote).toContain('默认')
  // the credit code is checked while typing
  p.instance.inputCredit({ detail: { value: CODE.slice(0, 17) + 'X' } })
  expect(p.data.errors['unit.credit_code']).toMatch(/校验位/)
  p.instance.inputCredit({ detail: { value: CODE.toLowerCase() } })
  expect(p.data.creditOk).toBe(true)
  p.instance.inputUnit({ currentTarget: { dataset: { f: 'name' } }, detail: { value: '鄂尔多斯市示范工厂有限公司' } })
  p.instance.pickType({ detail: { value: p.data.types.findIndex((t) => t.code === 'factory') } })
  expect(p.data.rows.length).toBeGreaterThan(0)
  p.instance.inputUnit({ currentTarget: { dataset: { f: 'address' } }, detail: { value: '东胜区工业园区 1 号' } })
  p.instance.inputUnit({ currentTarget: { dataset: { f: 'contact_name' } }, detail: { value: '张三' } })
  p.instance.inputUnit({ currentTarget: { dataset: { f: 'contact_phone' } }, detail: { value: '13800000000' } })
  expect(p.data.locationText).toContain('东胜区')

  // a draft with one item scored
  const first = p.data.rows[0]
  p.instance.inputScore({ currentTarget: { dataset: { code: first.code } }, detail: { value: String(first.max) } })
  await p.instance.save()
  expect(p.data.submitError).toBe('')
  expect(p.data.app.status).toBe('draft')
  const id = p.data.app.id

  // submitting it half done: the service names the missing items
  await p.instance.submit()
  expect(p.data.app.status).toBe('draft')
  expect(p.data.submitError).toMatch(/[\u4e00-\u9fa5]/)
  expect(p.data.rows.some((r) => r.error)).toBe(true)

  await scoreAll(p, true)
  expect(p.data.total).toBe(100)
  await p.instance.submit()
  expect(p.data.submitError).toBe('')
  expect(p.data.app.status).toBe('submitted')
  expect(p.data.canEdit).toBe(false)

  // the district returns it with a comment
  let r = await e2e.call('POST', '/api/v1/cells/applications/' + id + '/district-review', district, { decision: 'return', comment: '请补充台账照片' })
  expect(r.statusCode).toBe(200)

  const back = await openApp({ id })
  expect(back.data.statusText).toBe('退回修改')
  expect(text(back)).toContain('退回意见：请补充台账照片')
  expect(back.data.canEdit).toBe(true)
  expect(back.data.rows.every((x) => x.score !== '')).toBe(true)
  await back.instance.submit()
  expect(back.data.submitError).toBe('')
  expect(back.data.app.status).toBe('submitted')
  expect(back.data.timeline.map((t) => t.status)).toEqual(expect.arrayContaining(['退回修改', '待旗区初审']))

  // both reviews pass; publicity is 0 days here, so it can be certified at once
  const scores = {}
  back.data.rows.forEach((x) => (scores[x.code] = x.max))
  r = await e2e.call('POST', '/api/v1/cells/applications/' + id + '/district-review', district, { decision: 'pass', scores })
  expect(r.statusCode).toBe(200)
  const admin = await e2e.admin()
  r = await e2e.call('POST', '/api/v1/cells/applications/' + id + '/city-review', admin, { decision: 'pass', scores })
  expect(r.statusCode).toBe(200)
  r = await e2e.call('POST', '/api/v1/cells/applications/' + id + '/certify', admin)
  expect(r.statusCode).toBe(201)
  const number = r.data.number

  const done = await openApp({ id })
  expect(done.data.statusText).toBe('已认定')
  expect(text(done)).toContain('证书编号 ' + number)
  done.instance.openCertificate()
  expect(fake.calls.navigateTo).toContain('/pages/cells/verify/index?number=' + encodeURIComponent(number))

  // my applications
  const mine = render('pages/cells/applications/index')
  mine.instance.onLoad()
  await until(() => !mine.data.loading)
  expect(mine.data.items.find((a) => a.id === id).status).toBe('已认定')

  // public list and the QR code's page (scene = number)
  const list = render('pages/cells/index/index')
  list.instance.onLoad()
  await until(() => !list.data.loading && list.data.types.length)
  expect(list.data.items.map((c) => c.number)).toContain(number)
  expect(list.data.types.find((t) => t.code === 'factory').count).toBeGreaterThanOrEqual(1)
  await list.instance.pickType({ currentTarget: { dataset: { type: 'school' } } })
  expect(list.data.items).toHaveLength(0)

  const v = render('pages/cells/verify/index')
  await v.instance.onLoad({ scene: encodeURIComponent(number) })
  expect(v.data.verdict).toBe('✓ 证书有效')
  expect(text(v)).toContain('鄂尔多斯市示范工厂有限公司')
  expect(v.data.qr).toBe(e2e.base() + '/api/v1/cells/certificates/' + encodeURIComponent(number) + '/qrcode')
  const qr = await e2e.call('GET', '/api/v1/cells/certificates/' + encodeURIComponent(number) + '/qrcode', '')
  expect(qr.statusCode).toBe(200)

  const bad = render('pages/cells/verify/index')
  await bad.instance.onLoad({ scene: 'WFXB-1999-9999' })
  expect(bad.data.error).toMatch(/[\u4e00-\u9fa5]/)
})

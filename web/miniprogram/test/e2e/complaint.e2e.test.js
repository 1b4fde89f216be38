// End to end: a citizen reports a problem with a photo from the report page
// (real upload, real location check), a neighbour reporting the same thing
// is offered the first case to follow, staff handle it through the API, and
// the reporter sees the result in 我的举报 and sends it back with a rating.
// Before filing, a citizen is shown the open cases nearby and follows one
// instead of filing the same problem again.
const path = require('path')
const { until } = require('../helpers/wx')
const { render, text, ROOT } = require('../helpers/page')
const e2e = require('../helpers/e2e')
const config = require('../../config')

const fake = global.__wxfake
const PHOTO = path.join(ROOT, 'images/tab-home-active.png')

beforeAll(() => {
  config.apiBase = e2e.base()
  config.devLogin = true
  fake.handler = null
})

function asCitizen(openid) {
  fake.store.clear()
  fake.store.set('wufei_dev_openid', openid)
}

async function report(description) {
  const p = render('pages/complaint/report')
  p.instance.onLoad({})
  await until(() => !p.data.loading && p.data.locationText)
  p.instance.pickCategory({ currentTarget: { dataset: { code: 'illegal_dumping' } } })
  p.instance.pickOption({ currentTarget: { dataset: { code: 'waste_type', key: 'construction' } } })
  p.instance.inputDescription({ detail: { value: description } })
  return p
}

test('report, follow a duplicate, handle, see the result and reopen', async () => {
  fake.location = { latitude: 39.8179, longitude: 109.9894 } // 东胜区
  asCitizen('e2e-reporter')
  const p = await report('东胜区某路口有人倾倒建筑垃圾')
  fake.media = [PHOTO]
  await p.instance.addPhotos()
  expect(p.data.form.photos[0].status).toBe('done')
  await p.instance.submit()
  expect(p.data.submitError).toBe('')
  const filed = p.data.filed
  expect(filed.id).toMatch(/^WF/)
  expect(filed.district.name).toBe('东胜区')
  expect(filed.photos).toHaveLength(1)

  // a neighbour reports the same thing a few metres away
  asCitizen('e2e-neighbour')
  fake.location = { latitude: 39.8180, longitude: 109.9895 }
  const n = await report('路口又有建筑垃圾')
  await n.instance.submit()
  expect(n.data.duplicates.map((d) => d.id)).toContain(filed.id)
  await n.instance.follow({ currentTarget: { dataset: { id: filed.id } } })
  expect(n.data.duplicates.find((d) => d.id === filed.id).followed).toBe(true)
  const followed = render('pages/complaint/mine')
  followed.instance.onLoad()
  await until(() => !followed.data.loading)
  expect(followed.data.items.find((i) => i.id === filed.id).following).toBe(true)

  // staff handle it
  const admin = await e2e.admin()
  for (const [step, body] of [['accept', {}], ['assign', { department: '市执法局' }], ['start', {}], ['resolve', { result: '已联系城管清运完毕' }]]) {
    const r = await e2e.call('POST', '/api/v1/complaints/' + filed.id + '/' + step, admin, body)
    expect(r.statusCode).toBe(200)
  }

  // the reporter follows it up
  asCitizen('e2e-reporter')
  const mine = render('pages/complaint/mine')
  mine.instance.onLoad()
  await until(() => !mine.data.loading)
  const item = mine.data.items.find((i) => i.id === filed.id)
  expect(item.status_label).toBe('已办结待评价')
  expect(item.following).toBe(false)

  const d = render('pages/complaint/detail')
  d.instance.onLoad({ id: filed.id })
  await until(() => !d.data.loading && d.data.photos.length === 1)
  expect(text(d)).toContain('已联系城管清运完毕')
  expect(d.data.canRate).toBe(true)
  expect(d.data.timeline.map((t) => t.title)).toEqual(['办结', '开始办理', '交办', '受理', '提交举报'])
  d.instance.rate({ currentTarget: { dataset: { n: 2 } } })
  d.instance.toggleReopen({ detail: { value: true } })
  d.instance.inputComment({ detail: { value: '现场仍有垃圾' } })
  await d.instance.sendFeedback()
  expect(d.data.rateError).toBe('')
  expect(d.data.c.status).not.toBe('resolved')
  expect(d.data.feedback[0].reopen).toBe(true)
  expect(d.data.timeline[0].title).toBe('重新办理')
})

test('the service refuses a place outside Ordos and the form stays', async () => {
  asCitizen('e2e-traveller')
  fake.location = { latitude: 39.8179, longitude: 109.9894 }
  const p = await report('外地的问题')
  // the map picker lands outside the city; the page warns, and the service would refuse it too
  fake.chosenLocation = { latitude: 31.23, longitude: 121.47, name: '外滩', address: '上海' }
  p.instance.chooseLocation()
  await p.instance.submit()
  expect(p.data.errors.location).toBeTruthy()
  // bypass the phone's own check to see the service's answer kept beside the form
  p.setData({ outside: false })
  await p.instance.submit()
  expect(p.data.filed).toBeNull()
  expect(p.data.submitError).toMatch(/[\u4e00-\u9fa5]/)
  expect(p.data.form.description).toBe('外地的问题')
})

test('before filing, an open case nearby is offered and followed instead', async () => {
  // 康巴什区, away from the cases above
  fake.location = { latitude: 39.6086, longitude: 109.7813 }
  asCitizen('e2e-first-reporter')
  const first = render('pages/complaint/report')
  first.instance.onLoad({})
  await until(() => !first.data.loading && first.data.locationText)
  first.instance.pickCategory({ currentTarget: { dataset: { code: 'household_waste' } } })
  await first.instance.checkNearby()
  expect(first.data.nearby).toEqual([]) // nothing yet
  first.instance.inputDescription({ detail: { value: '小区门口垃圾桶满溢三天无人清运' } })
  await first.instance.submit()
  expect(first.data.submitError).toBe('')
  const filed = first.data.filed.id

  // a neighbour, 30 metres away, picks the same category
  asCitizen('e2e-second-reporter')
  fake.location = { latitude: 39.6088, longitude: 109.7815 }
  const p = render('pages/complaint/report')
  p.instance.onLoad({})
  await until(() => !p.data.loading && p.data.locationText)
  p.instance.pickCategory({ currentTarget: { dataset: { code: 'household_waste' } } })
  await until(() => p.data.nearby.length > 0, 'nearby cases shown')
  const offered = p.data.nearby.find((d) => d.id === filed)
  expect(offered).toMatchObject({ description: '小区门口垃圾桶满溢三天无人清运', status_label: '待受理', followed: false })
  expect(offered.distance).toBeGreaterThan(10)
  expect(offered.distance).toBeLessThan(60)
  expect(text(p)).toContain('关注此问题')

  await p.instance.follow({ currentTarget: { dataset: { id: filed } } })
  expect(p.data.nearbyFollowed).toBe(true)
  expect(text(p)).toContain('已关注，办理进展会通知您')
  p.instance.mine()
  expect(fake.calls.redirectTo[fake.calls.redirectTo.length - 1]).toBe('/pages/complaint/mine')

  // my reports: the followed case, and nothing filed twice
  const mine = render('pages/complaint/mine')
  mine.instance.onLoad()
  await until(() => !mine.data.loading)
  expect(mine.data.items.map((i) => [i.id, i.following])).toEqual([[filed, true]])
})

// The project opens in WeChat DevTools: every page in app.json has its four
// files, the tab bar's icons exist, the pages the service links to
// (notifications, the certificate QR code) are registered, and app.js logs
// in silently at launch.
const fs = require('fs')
const path = require('path')
const { ROOT } = require('./helpers/page')
const { until } = require('./helpers/wx')
const config = require('../config')

const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))
const project = JSON.parse(fs.readFileSync(path.join(ROOT, 'project.config.json'), 'utf8'))

test.each(app.pages)('page %s has its files and uses Component()', (page) => {
  for (const ext of ['js', 'json', 'wxml', 'wxss']) expect(fs.existsSync(path.join(ROOT, page + '.' + ext))).toBe(true)
  expect(fs.readFileSync(path.join(ROOT, page + '.js'), 'utf8')).toMatch(/\bComponent\(\{/)
  const json = JSON.parse(fs.readFileSync(path.join(ROOT, page + '.json'), 'utf8'))
  expect(json.navigationBarTitleText).toMatch(/[\u4e00-\u9fa5]/)
  Object.values(json.usingComponents || {}).forEach((c) => expect(fs.existsSync(path.join(ROOT, c + '.js'))).toBe(true))
})

test('tab bar pages and icons exist', () => {
  app.tabBar.list.forEach((t) => {
    expect(app.pages).toContain(t.pagePath)
    expect(fs.existsSync(path.join(ROOT, t.iconPath))).toBe(true)
    expect(fs.existsSync(path.join(ROOT, t.selectedIconPath))).toBe(true)
  })
})

test('pages the service links to are registered', () => {
  // internal/complaint (notifications), internal/cell (notifications, DefaultQRPage)
  ;['pages/complaint/detail', 'pages/cells/application/index', 'pages/cells/verify/index'].forEach((p) => expect(app.pages).toContain(p))
})

test('the upload leaves out the tests and node_modules', () => {
  const ignored = project.packOptions.ignore.map((i) => i.value)
  expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'test', 'package.json']))
  expect(project.setting.enhance).toBe(true) // async/await in pages
})

test('every request goes through utils/api.js', () => {
  const files = []
  const walk = (dir) =>
    fs.readdirSync(dir).forEach((f) => {
      const p = path.join(dir, f)
      if (fs.statSync(p).isDirectory()) walk(p)
      else if (p.endsWith('.js')) files.push(p)
    })
  walk(path.join(ROOT, 'pages'))
  walk(path.join(ROOT, 'components'))
  files.forEach((f) => expect(fs.readFileSync(f, 'utf8')).not.toMatch(/wx\.(request|uploadFile|downloadFile)\(/))
})

test('app.js logs in silently at launch, once', async () => {
  let def = null
  global.App = (d) => (def = d)
  const fake = global.__wxfake
  fake.store.clear()
  config.apiBase = 'http://api.test'
  let logins = 0
  fake.handler = () => (logins++, { statusCode: 200, data: { token: 't', user: { role: 'citizen' } } })
  jest.isolateModules(() => require('../app.js'))
  def.onLaunch()
  await until(() => fake.store.get('wufei_token') === 't')
  expect(logins).toBe(1)
  expect(fake.store.get('wufei_token')).toBe('t')
  def.onLaunch() // a token is there: nothing to do
  expect(logins).toBe(1)
  delete global.App
})

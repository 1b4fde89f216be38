// Browser tests of the console against a real `wufei serve` on the embedded
// defaults: builds the binary (with the console as built in dist/), starts it
// in a fresh data directory with a bootstrap admin, seeds staff through the
// API, then drives Debian's chromium with playwright-core. Screenshots go to
// e2e/screenshots/ (git-ignored; CI keeps them as artifacts).
//
//   npm run e2e            (after npm run build)
//   WUFEI_BIN=/path/to/wufei npm run e2e   to test a binary built elsewhere
//   E2E_ONLY='无废细胞|publicity' npm run e2e   to run only the tests matching
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import net from 'node:net'
import { chromium } from 'playwright-core'

const here = dirname(fileURLToPath(import.meta.url))
const repo = resolve(here, '../../..')
const shots = join(here, 'screenshots')
mkdirSync(shots, { recursive: true })
const work = mkdtempSync(join(tmpdir(), 'wufei-e2e-'))
const ADMIN_PASS = 'e2e-admin-pass-1'
const PASS = 'e2e-staff-pass-1'

function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => res(port))
    })
    s.on('error', rej)
  })
}

let bin = process.env.WUFEI_BIN
if (!bin) {
  bin = join(work, 'wufei')
  console.log('building wufei…')
  execFileSync('go', ['build', '-o', bin, './cmd/wufei'], { cwd: repo, stdio: 'inherit' })
}
/** The embedded defaults: no outside store or Redis, whatever the caller has set. */
function serverEnv() {
  const env = { ...process.env, WUFEI_BOOTSTRAP_ADMIN: `admin:${ADMIN_PASS}` }
  delete env.MONGODB_URI
  delete env.REDIS_URL
  return env
}

// Every server started, stopped on exit.
const servers = []
function cleanup() {
  for (const s of servers) {
    try {
      s.kill('SIGTERM')
    } catch {}
  }
}
process.on('exit', cleanup)

/**
 * Starts `wufei serve` on the embedded defaults in its own data directory
 * under work/, with env overriding settings, and waits for /readyz.
 */
async function startServer(name, env = {}) {
  const port = await freePort()
  const at = `http://127.0.0.1:${port}`
  const proc = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--data-dir', join(work, name)], {
    env: { ...serverEnv(), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  servers.push(proc)
  let stderr = ''
  proc.stderr.on('data', (d) => (stderr = (stderr + d).slice(-20000)))
  for (let i = 0; i < 240; i++) {
    if (proc.exitCode !== null) throw new Error(`wufei (${name}) exited: ${stderr}`)
    try {
      const r = await fetch(at + '/readyz')
      if (r.ok) return { base: at, call: (method, path, token, body) => callAt(at, method, path, token, body), upload: (token, bytes, file, type) => uploadAt(at, token, bytes, file, type) }
    } catch {}
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`wufei (${name}) not ready`)
}

let browser
// The main server, with the default settings (publicity of 7 days).
let base = ''

async function callAt(at, method, path, token, body) {
  const r = await fetch(at + '/api/v1' + path, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: 'Bearer ' + token } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  const text = await r.text()
  if (!r.ok) throw Object.assign(new Error(`${method} ${path}: ${r.status} ${text}`), { status: r.status, body: text })
  return text ? JSON.parse(text) : undefined
}
const call = (method, path, token, body) => callAt(base, method, path, token, body)

/** A valid 统一社会信用代码 numbered n (GB 32100-2015 check character). */
function creditCode(n) {
  const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY'
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
  const first = '91150602MA' + String(n).padStart(7, '0')
  let sum = 0
  for (let i = 0; i < 17; i++) sum += chars.indexOf(first[i]) * weights[i]
  return first + chars[(31 - (sum % 31)) % 31]
}

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n')

async function uploadAt(at, token, bytes, name, type) {
  const fd = new FormData()
  fd.append('file', new Blob([bytes], { type }), name)
  const r = await fetch(at + '/api/v1/uploads', { method: 'POST', headers: { Authorization: 'Bearer ' + token }, body: fd })
  if (!r.ok) throw new Error('upload: ' + r.status + ' ' + (await r.text()))
  return (await r.json()).id
}
const upload = (token, bytes, name, type) => uploadAt(base, token, bytes, name, type)

/**
 * Takes a new application of a unit through submission and the district's
 * first review on server srv, as its applicant (a citizen logged in with
 * openid) and a district officer would: it then waits for the city review.
 */
async function cellAtCityReview(srv, districtToken, openid, unit) {
  const cit = (await srv.call('POST', '/auth/wechat', '', { code: 'dev:' + openid })).token
  const img = await srv.upload(cit, PNG, 'site.png', 'image/png')
  const pdf = await srv.upload(cit, PDF, 'rules.pdf', 'application/pdf')
  const type = (await srv.call('GET', '/cells/types')).items.find((t) => t.code === unit.type)
  const self = Object.fromEntries(type.items.map((it) => [it.code, { score: it.max_score, evidence: [it.evidence === 'document' ? pdf : img] }]))
  const app = await srv.call('POST', '/cells/applications', cit, { unit, self_assessment: self })
  await srv.call('POST', `/cells/applications/${app.id}/submit`, cit)
  const scores = Object.fromEntries(type.items.map((it) => [it.code, it.max_score]))
  await srv.call('POST', `/cells/applications/${app.id}/district-review`, districtToken, { decision: 'pass', scores, comment: '现场核查属实' })
  return app.id
}

// 东胜区, inside Ordos (GCJ-02).
const DONGSHENG = { lat: 39.828458, lng: 109.75022 }

/**
 * A server of its own for the complaint statistics, seeded through the API
 * (once; both complaint tests use it): five cases filed today — four in
 * 东胜区 by citizens, one by the 12345 hotline over Open311 with only an
 * address naming 达拉特旗 (no point). Three of 东胜区 are accepted,
 * assigned to the district, started and resolved; two of those are rated
 * (5 and 4) and so closed; the fourth stays submitted. The hotline's case
 * is accepted. So: submitted 5, accepted 4, closed 2 (办结率 50%), resolved
 * 3, all on time, rated 2 (average 4.5), open 3, none overdue.
 */
let statsSeeded = null
function statsServer() {
  statsSeeded ??= (async () => {
    const srv = await startServer('data-stats')
    const adm = (await srv.call('POST', '/auth/login', '', { username: 'admin', password: ADMIN_PASS })).token
    await srv.call('POST', '/admin/users', adm, { username: 'dist1', password: PASS, role: 'district', display_name: '东胜区李四', districts: ['150602'] })
    const dist = (await srv.call('POST', '/auth/login', '', { username: 'dist1', password: PASS })).token
    const filed = []
    for (let i = 0; i < 4; i++) {
      const cit = (await srv.call('POST', '/auth/wechat', '', { code: `dev:e2e-stats-${i}` })).token
      // About 550 m apart: not suggested as duplicates of each other.
      const c = await srv.call('POST', '/complaints', cit, {
        category: 'illegal_dumping', description: `路边有建筑垃圾堆放（第 ${i + 1} 处）`, lat: DONGSHENG.lat + i * 0.005, lng: DONGSHENG.lng,
        address: `东胜区统计测试路 ${i + 1} 号`, contact_phone: `1390000010${i}`,
      })
      assert(c.located === true && typeof c.lat === 'number', 'a citizen complaint is not located: ' + JSON.stringify(c))
      filed.push({ cit, c })
    }
    for (const [i, { cit, c }] of filed.slice(0, 3).entries()) {
      await srv.call('POST', `/complaints/${c.id}/accept`, adm)
      await srv.call('POST', `/complaints/${c.id}/assign`, adm, { district: '150602' })
      await srv.call('POST', `/complaints/${c.id}/start`, dist)
      await srv.call('POST', `/complaints/${c.id}/resolve`, dist, { result: '已组织清运', photos: [] })
      if (i < 2) await srv.call('POST', `/complaints/${c.id}/feedback`, cit, { rating: 5 - i, comment: '处理及时' })
    }
    const { api_key } = await srv.call('POST', '/admin/open311/keys', adm, { name: '市 12345 热线' })
    const r = await fetch(srv.base + '/open311/v2/requests.json', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_key, service_code: 'illegal_dumping', address_string: '达拉特旗树林召镇', description: '热线转来：镇上有垃圾乱倒' }),
    })
    assert(r.status === 201, 'open311 by address: ' + r.status + ' ' + (await r.clone().text()))
    const unlocatedId = (await r.json())[0].service_request_id
    const u = await srv.call('POST', `/complaints/${unlocatedId}/accept`, adm)
    assert(u.located === false && u.lat === null && u.lng === null && u.district.name === '达拉特旗', 'the hotline case: ' + JSON.stringify(u))
    const expected = {
      admin: { submitted: 5, accepted: 4, closed: 2, completion_rate: 50, resolved: 3, on_time: 3, on_time_rate: 100, rated: 2, average_rating: 4.5, open: 3, overdue_open: 0 },
    }
    return { srv, adm, expected, unlocatedId, locatedId: filed[0].c.id }
  })()
  return statsSeeded
}

let passed = 0
let failed = 0
// E2E_ONLY=regexp runs only the tests whose names match (while working on one).
const only = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY) : null
async function test(name, fn) {
  if (only && !only.test(name)) return
  const t0 = Date.now()
  try {
    await fn()
    passed++
    console.log(`ok   ${name} (${Date.now() - t0} ms)`)
  } catch (e) {
    failed++
    console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`)
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg)
}

/** Counts non-blank pixels of the first canvas under selector: > 0 means ECharts drew. */
async function drawnPixels(page, selector) {
  await page.waitForSelector(`${selector} canvas`, { timeout: 15000 })
  // ECharts animates; wait until something is on the canvas.
  for (let i = 0; i < 40; i++) {
    const n = await page.$eval(`${selector} canvas`, (c) => {
      const ctx = c.getContext('2d')
      const { data } = ctx.getImageData(0, 0, c.width, c.height)
      let n = 0
      for (let i = 3; i < data.length; i += 16) if (data[i] > 0) n++
      return n
    })
    if (n > 200) return n
    await page.waitForTimeout(250)
  }
  return 0
}

async function login(page, username, password, at = base) {
  await page.goto(at + '/console/login')
  await page.fill('input[data-test=username], [data-test=username] input', username)
  await page.fill('input[data-test=password], [data-test=password] input', password)
  await page.click('[data-test=submit]')
  await page.waitForSelector('[data-test=role]')
}

async function menuText(page) {
  return (await page.textContent('[data-test=menu]')) ?? ''
}

try {
  base = (await startServer('data')).base
  // Seed: staff of each role, and a few values so charts have lines.
  const admin = (await call('POST', '/auth/login', '', { username: 'admin', password: ADMIN_PASS })).token
  await call('POST', '/admin/users', admin, { username: 'dept1', password: PASS, role: 'department', display_name: '生态环境局张三', departments: ['市生态环境局'] })
  await call('POST', '/admin/users', admin, { username: 'dist1', password: PASS, role: 'district', display_name: '东胜区李四', districts: ['150602'] })
  await call('POST', '/admin/users', admin, { username: 'eval1', password: PASS, role: 'evaluator', display_name: '测评机构王五' })
  for (const [period, value] of [['2021', 5.8], ['2022', 5.4], ['2023', 5.1]]) {
    await call('POST', '/indicators/I01/measurements', admin, { period, value, note: '统计年鉴' })
  }
  await call('POST', '/tasks/GY02/updates', admin, { status: 'in_progress', progress: 40, note: '已起草' })

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    // playwright gives every launch a fresh, empty profile directory itself.
  })
  const newPage = async () => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', acceptDownloads: true })
    const page = await ctx.newPage()
    page.on('pageerror', (e) => console.log('  page error:', e.message))
    return page
  }

  await test('public dashboard renders its charts and the district map', async () => {
    const page = await newPage()
    await page.goto(base + '/')
    await page.waitForURL('**/console/')
    await page.waitForSelector('[data-test=live] [data-code=I52]')
    assert((await drawnPixels(page, '[data-test=indicator-chart]')) > 0, 'indicator chart not drawn')
    assert((await drawnPixels(page, '[data-test=task-chart]')) > 0, 'task chart not drawn')
    assert((await drawnPixels(page, '[data-test=map]')) > 0, 'map not drawn')
    const live = await page.textContent('[data-test=live]')
    for (const name of ['满意', '普及率', '无废细胞', '办结率', '参与']) assert(live.includes(name), `live card ${name} missing: ${live}`)
    const menu = await menuText(page)
    assert(menu.includes('指标') && !menu.includes('工作人员账号'), 'public menu: ' + menu)
    await page.screenshot({ path: join(shots, 'dashboard.png') })
    // The page scrolls inside the frame, so the lower parts are shot one by one.
    await page.locator('[data-test=map]').screenshot({ path: join(shots, 'dashboard-map.png') })
    await page.locator('.panel:has(.cards)').first().screenshot({ path: join(shots, 'dashboard-cards.png') })
    await page.context().close()
  })

  await test('an admin page without login leads to the login page', async () => {
    const page = await newPage()
    await page.goto(base + '/console/admin/users')
    await page.waitForURL(/\/console\/login\?redirect=/)
    await page.fill('input[data-test=username], [data-test=username] input', 'admin')
    await page.fill('input[data-test=password], [data-test=password] input', 'wrong-password')
    await page.click('[data-test=submit]')
    const err = await page.waitForSelector('[data-test=login-error]')
    assert((await err.textContent()).match(/[\u4e00-\u9fff]/), 'login error not Chinese')
    await page.screenshot({ path: join(shots, 'login-error.png') })
    await page.fill('input[data-test=password], [data-test=password] input', ADMIN_PASS)
    await page.click('[data-test=submit]')
    await page.waitForURL('**/console/admin/users')
    await page.waitForSelector('[data-test=user-table] .el-table__row')
    const menu = await menuText(page)
    assert(menu.includes('工作人员账号') && menu.includes('操作日志'), 'admin menu: ' + menu)
    await page.screenshot({ path: join(shots, 'admin-users.png') })
    // Create a staff account through the form.
    await page.click('[data-test=new-user]')
    await page.fill('input[data-test=f-username], [data-test=f-username] input', 'dept2')
    await page.fill('input[data-test=f-name], [data-test=f-name] input', '工信局赵六')
    await page.click('[data-test=f-departments]')
    await page.click('.el-select-dropdown__item:has-text("市工信局")')
    await page.keyboard.press('Escape')
    await page.fill('input[data-test=f-password], [data-test=f-password] input', PASS)
    await page.click('[data-test=f-save]')
    await page.waitForSelector('text=工信局赵六')
    await page.goto(base + '/console/admin/audit')
    await page.waitForSelector('[data-test=audit-table] .el-table__row')
    assert((await page.textContent('[data-test=audit-table]')).includes('user.create'), 'audit lacks user.create')
    await page.screenshot({ path: join(shots, 'admin-audit.png') })
    await page.context().close()
  })

  await test('a department officer reports a value and task progress, and is refused the admin pages', async () => {
    const page = await newPage()
    await login(page, 'dept1', PASS)
    const menu = await menuText(page)
    assert(!menu.includes('工作人员账号'), 'department sees admin menu: ' + menu)
    await page.goto(base + '/console/indicators/I01')
    await page.waitForSelector('[data-test=measurement-form]')
    assert((await drawnPixels(page, '[data-test=history-chart]')) > 0, 'history chart not drawn')
    await page.fill('[data-test=measurement-form] input[placeholder^="如"]', '2024')
    await page.fill('input[data-test=value], [data-test=value] input', '4.9')
    await page.click('[data-test=submit-measurement]')
    await page.waitForSelector('text=已记录')
    await page.waitForSelector('td:has-text("4.9")')
    await page.screenshot({ path: join(shots, 'indicator-detail.png') })
    // A live indicator offers no manual form.
    await page.goto(base + '/console/indicators/I48')
    await page.waitForSelector('text=不接受手工填报')
    // Task progress (GY01: 各成员单位 participate).
    await page.goto(base + '/console/tasks/GY01')
    await page.waitForSelector('[data-test=update-form]')
    await page.fill('[data-test=update-form] textarea', '已完成初稿')
    await page.click('[data-test=submit-update]')
    await page.waitForSelector('text=已记录进展')
    await page.waitForSelector('[data-test=progress-chart] canvas')
    await page.screenshot({ path: join(shots, 'task-detail.png') })
    // A forbidden page is refused with a clear message.
    await page.goto(base + '/console/admin/users')
    await page.waitForSelector('[data-test=forbidden]')
    assert((await page.textContent('[data-test=forbidden]')).includes('无权访问'), 'no forbidden message')
    await page.screenshot({ path: join(shots, 'forbidden.png') })
    await page.context().close()
  })

  await test('district officer and evaluator log in with their roles', async () => {
    for (const [user, role] of [['dist1', '旗区'], ['eval1', '第三方测评机构']]) {
      const page = await newPage()
      await login(page, user, PASS)
      assert((await page.textContent('[data-test=role]')).includes(role), `${user} role tag`)
      assert(!(await menuText(page)).includes('操作日志'), `${user} sees admin menu`)
      await page.goto(base + '/console/indicators')
      await page.waitForSelector('[data-test=indicator-table] .el-table__row')
      if (user === 'eval1') await page.screenshot({ path: join(shots, 'indicators.png') })
      await page.context().close()
    }
  })

  await test('the registry export downloads', async () => {
    const page = await newPage()
    await page.goto(base + '/console/tasks')
    await page.waitForSelector('[data-test=task-table] .el-table__row')
    await page.screenshot({ path: join(shots, 'tasks.png') })
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=export-csv]')])
    assert(dl.suggestedFilename().endsWith('.csv'), 'download name ' + dl.suggestedFilename())
    const path = await dl.path()
    assert(path, 'no download file')
    await page.context().close()
  })

  await test('the admin designs a survey with a live preview', async () => {
    const page = await newPage()
    await login(page, 'admin', ADMIN_PASS)
    await page.goto(base + '/console/surveys/new')
    await page.waitForSelector('[data-test=preview]')
    await page.fill('input[data-test=s-title], [data-test=s-title] input', '2026 年“无废城市”知晓度调查')
    await page.click('[data-test=add-single]')
    const q = page.locator('[data-test=question-2]')
    await q.locator('input[placeholder=题目]').fill('您听说过“无废城市”吗？')
    await q.locator('input[placeholder=选项文字]').nth(0).fill('听说过')
    await q.locator('input[placeholder=选项文字]').nth(1).fill('没听说过')
    // The preview follows the designer.
    await page.waitForSelector('[data-test=preview] >> text=您听说过“无废城市”吗？')
    await page.click('[data-test=save-draft]')
    await page.waitForURL(/\/console\/surveys\/[^/]+\/edit$/)
    await page.screenshot({ path: join(shots, 'survey-designer.png') })
    await page.context().close()
  })

  await test('the evaluator reads the weighted statistics, downloads an export and signs off', async () => {
    // A survey answered by citizens in two districts, then closed by the admin in the console.
    const sv = await call('POST', '/surveys', admin, {
      title: '2026 年度公众满意度调查', description: '', min_seconds_per_answer: 0.2,
      opens_at: new Date(Date.now() - 3600e3).toISOString(), closes_at: new Date(Date.now() + 86400e3).toISOString(),
      quotas: { 150602: 10, 150621: 10 },
      questions: [
        { id: 'd', type: 'district', title: '您所在的旗区', required: true },
        { id: 'sat', type: 'likert5', title: '您对“无废城市”建设的满意程度', required: true },
        { id: 'aware', type: 'single', title: '您听说过“无废城市”吗？', required: true, options: [{ value: 'yes', label: '听说过' }, { value: 'no', label: '没听说过' }] },
      ],
      measures: { satisfaction: 'sat', awareness: ['aware'], awareness_yes: ['yes'] },
    })
    await call('POST', `/surveys/${sv.id}/publish`, admin)
    const started = []
    for (let i = 0; i < 16; i++) {
      const c = (await call('POST', '/auth/wechat', '', { code: `dev:e2e-citizen-${i}` })).token
      started.push([c, (await call('POST', `/surveys/${sv.id}/start`, c)).start_token])
    }
    // The server flags answers given faster than the survey's minimum after
    // the start (on its real clock): let a second pass, as a person would.
    await new Promise((r) => setTimeout(r, 1100))
    for (const [i, [c, start_token]] of started.entries()) {
      await call('POST', `/surveys/${sv.id}/responses`, c, {
        start_token, answers: { d: i < 10 ? '150602' : '150621', sat: 1 + (i % 5), aware: i % 3 ? 'yes' : 'no' },
      })
    }
    // One response too fast, to show an exclusion.
    const fast = (await call('POST', '/auth/wechat', '', { code: 'dev:e2e-citizen-fast' })).token
    await call('POST', `/surveys/${sv.id}/responses`, fast, { start_token: (await call('POST', `/surveys/${sv.id}/start`, fast)).start_token, answers: { d: '150621', sat: 5, aware: 'yes' } })
    let page = await newPage()
    await login(page, 'admin', ADMIN_PASS)
    await page.goto(base + `/console/surveys/${sv.id}`)
    assert((await drawnPixels(page, '[data-test=quota-chart]')) > 0, 'quota chart not drawn')
    await page.screenshot({ path: join(shots, 'survey-progress.png') })
    await page.click('[data-test=close-survey]')
    await page.click('.el-message-box button:has-text("确定")')
    await page.waitForSelector('.el-tag:has-text("已结束")')
    await page.context().close()

    page = await newPage()
    await login(page, 'eval1', PASS)
    await page.goto(base + '/console/surveys')
    await page.click(`text=2026 年度公众满意度调查`)
    await page.click('.el-tabs__item:has-text("统计结果")')
    assert((await drawnPixels(page, '[data-test=estimate-chart]')) > 0, 'estimate chart not drawn')
    const est = await page.textContent('[data-test=estimates]')
    assert(est.includes('满意率') && est.includes('普及率') && est.includes('n_eff'), 'estimates: ' + est)
    await page.screenshot({ path: join(shots, 'survey-stats.png') })
    await page.click('.el-tabs__item:has-text("导出与签发")')
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=survey-export-csv]')])
    assert(dl.suggestedFilename().endsWith('.csv'), 'export name ' + dl.suggestedFilename())
    const sha = await page.waitForSelector('[data-test=export-list] code')
    assert(/^[0-9a-f]{64}$/.test((await sha.textContent()).trim()), 'no SHA-256 shown')
    await page.click('[data-test=signoff]')
    await page.click('.el-message-box button:has-text("确认签发")')
    await page.waitForSelector('text=已签发 I52')
    await page.waitForSelector('td:has-text("I52")')
    await page.waitForSelector('.el-message-box', { state: 'hidden' })
    await page.screenshot({ path: join(shots, 'survey-signoff.png') })
    await page.context().close()
  })

  await test('a district officer reviews a 无废细胞 application', async () => {
    const cit = (await call('POST', '/auth/wechat', '', { code: 'dev:e2e-applicant' })).token
    const img = await upload(cit, PNG, 'site.png', 'image/png')
    const pdf = await upload(cit, PDF, 'rules.pdf', 'application/pdf')
    const types = await call('GET', '/cells/types')
    const factory = types.items.find((t) => t.code === 'factory')
    const self = Object.fromEntries(factory.items.map((it) => [it.code, { score: it.max_score, evidence: [it.evidence === 'document' ? pdf : img] }]))
    const app = await call('POST', '/cells/applications', cit, {
      unit: { name: '鄂尔多斯市示范制造有限公司', credit_code: creditCode(7), type: 'factory', address: '东胜区示范路 8 号', ...DONGSHENG, contact_name: '王经理', contact_phone: '13900000001' },
      self_assessment: self,
    })
    await call('POST', `/cells/applications/${app.id}/submit`, cit)
    const page = await newPage()
    await login(page, 'dist1', PASS)
    assert((await menuText(page)).includes('申报审核'), 'district menu lacks the review queue')
    await page.goto(base + '/console/cells')
    await page.waitForSelector('[data-test=cell-table] >> text=鄂尔多斯市示范制造有限公司')
    await page.screenshot({ path: join(shots, 'cells-queue.png') })
    await page.click('text=鄂尔多斯市示范制造有限公司')
    await page.waitForSelector('[data-test=review-form]')
    await page.waitForSelector('[data-test=rubric] .el-image img')
    await page.screenshot({ path: join(shots, 'cell-review.png') })
    await page.fill('[data-test=review-comment] textarea, textarea[data-test=review-comment]', '材料齐全，现场核查属实')
    await page.click('[data-test=submit-review]')
    await page.click('.el-message-box button:has-text("确定")')
    await page.waitForSelector('text=已提交审核意见')
    await page.waitForSelector('.el-tag:has-text("待市级复审")')
    await page.context().close()
  })

  await test('the admin reviews at city level; during publicity an objection is filed and resolved', async () => {
    const dist = (await call('POST', '/auth/login', '', { username: 'dist1', password: PASS })).token
    const srv = { call, upload }
    const id = await cellAtCityReview(srv, dist, 'e2e-hotel', {
      name: '鄂尔多斯市绿色示范酒店', credit_code: creditCode(8), type: 'hotel', address: '东胜区鄂尔多斯大街 18 号', ...DONGSHENG, contact_name: '刘经理', contact_phone: '13900000003',
    })
    // The admin finds it in the city-review queue and passes it: publicity starts.
    let page = await newPage()
    await login(page, 'admin', ADMIN_PASS)
    await page.goto(base + '/console/cells')
    await page.waitForSelector('[data-test=cell-table] >> text=鄂尔多斯市绿色示范酒店')
    assert((await page.textContent('[data-test=cell-queue] .is-active')).includes('待市级复审'), 'admin queue does not open on the city review')
    await page.click('text=鄂尔多斯市绿色示范酒店')
    await page.waitForSelector('[data-test=review-form] >> text=市级复审')
    await page.waitForSelector('[data-test=rubric] .el-image img')
    assert((await page.textContent('.el-descriptions')).includes('现场核查属实'), 'the district review is not shown')
    await page.fill('[data-test=review-comment] textarea, textarea[data-test=review-comment]', '复核通过，进入公示')
    await page.screenshot({ path: join(shots, 'cell-city-review.png'), animations: 'disabled' })
    await page.click('[data-test=submit-review]')
    await page.click('.el-message-box button:has-text("确定")')
    await page.waitForSelector('text=已提交审核意见')
    await page.waitForSelector('.el-descriptions .el-tag:has-text("公示中")')
    await page.waitForSelector('.el-descriptions >> text=公示期')
    // Seven days of publicity: certification waits for them.
    assert(await page.isDisabled('[data-test=certify]'), 'certify offered during publicity')
    assert((await page.textContent('[data-test=certify-box]')).includes('公示期未满'), 'no reason shown for waiting')
    await page.context().close()

    // Publicity is public; anyone logged in may object (here a department officer).
    page = await newPage()
    await page.goto(base + '/console/cells/certified')
    await page.waitForSelector('text=公示中（1）')
    assert((await page.textContent('.panel:has-text("公示中（1）")')).includes('鄂尔多斯市绿色示范酒店'), 'publicity list lacks the unit')
    await page.context().close()
    page = await newPage()
    await login(page, 'dept1', PASS)
    await page.goto(base + '/console/cells/certified')
    await page.waitForSelector('tr:has-text("鄂尔多斯市绿色示范酒店") >> text=提出异议')
    await page.screenshot({ path: join(shots, 'cells-publicity.png'), animations: 'disabled' })
    await page.click('tr:has-text("鄂尔多斯市绿色示范酒店") >> text=提出异议')
    await page.fill('.el-message-box textarea', '该酒店一次性用品仍在免费提供，与申报材料不符')
    await page.screenshot({ path: join(shots, 'cell-objection-form.png'), animations: 'disabled' })
    await page.click('.el-message-box button:has-text("提交")')
    await page.waitForSelector('text=异议已提交')
    await page.context().close()

    // The admin sees it waiting in the publicity queue, reads it and dismisses it.
    page = await newPage()
    await login(page, 'admin', ADMIN_PASS)
    await page.goto(base + '/console/cells')
    await page.click('[data-test=cell-queue] >> text=公示中')
    await page.waitForSelector('[data-test=cell-table] tr:has-text("鄂尔多斯市绿色示范酒店") >> text=1 条待处理')
    await page.screenshot({ path: join(shots, 'cells-publicity-queue.png'), animations: 'disabled' })
    await page.click('text=鄂尔多斯市绿色示范酒店')
    await page.waitForSelector('[data-test=objections] >> text=与申报材料不符')
    assert((await page.textContent('[data-test=objections]')).includes('生态环境局张三'), 'the admin does not see who objected')
    assert((await page.textContent('[data-test=certify-box]')).includes('1 条异议待处理'), 'open objection not named')
    await page.screenshot({ path: join(shots, 'cell-objection.png'), animations: 'disabled' })
    await page.click('[data-test=dismiss-objection]')
    await page.fill('.el-message-box input', '经现场核查，一次性用品已改为按需提供')
    await page.click('.el-message-box button:has-text("确定")')
    await page.waitForSelector('text=已处理')
    await page.waitForSelector('[data-test=objections] >> text=不成立')
    assert((await page.textContent('.el-timeline')).includes('异议不成立，继续公示'), 'timeline lacks the resolution')
    assert(await page.isDisabled('[data-test=certify]'), 'certify offered while publicity runs')
    await page.locator('.el-page-header').scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(shots, 'cell-objection-resolved.png'), animations: 'disabled' })
    await page.context().close()
    // The service agrees: not before the publicity ends.
    const admin2 = (await call('POST', '/auth/login', '', { username: 'admin', password: ADMIN_PASS })).token
    const refused = await call('POST', `/cells/applications/${id}/certify`, admin2).then(() => null, (e) => e)
    assert(refused && refused.status === 409 && refused.body.includes('publicity_running'), 'certified during publicity: ' + refused)
  })

  await test('after publicity the admin certifies; the certificate shows its QR code and the unit is on the public map', async () => {
    // A second server whose publicity ends at once (cells.publicity_days 0):
    // the browser cannot wait seven days on the main one.
    const srv = await startServer('data-publicity0', { WUFEI_CELLS_PUBLICITY_DAYS: '0' })
    const adm = (await srv.call('POST', '/auth/login', '', { username: 'admin', password: ADMIN_PASS })).token
    await srv.call('POST', '/admin/users', adm, { username: 'dist1', password: PASS, role: 'district', display_name: '东胜区李四', districts: ['150602'] })
    const dist = (await srv.call('POST', '/auth/login', '', { username: 'dist1', password: PASS })).token
    const id = await cellAtCityReview(srv, dist, 'e2e-school', {
      name: '鄂尔多斯市第一中学', credit_code: creditCode(9), type: 'school', address: '东胜区学府路 1 号', ...DONGSHENG, contact_name: '赵老师', contact_phone: '13900000004',
    })
    let page = await newPage()
    await login(page, 'admin', ADMIN_PASS, srv.base)
    await page.goto(srv.base + `/console/cells/${id}`)
    await page.waitForSelector('[data-test=review-form] >> text=市级复审')
    await page.click('[data-test=submit-review]')
    await page.click('.el-message-box button:has-text("确定")')
    await page.waitForSelector('text=已提交审核意见')
    // Publicity has ended with no objection: the admin certifies. (The
    // service's minute job may certify it first; the page then shows that.)
    const box = await page.waitForSelector('[data-test=certify-box], [data-test=certificate-link]')
    if ((await box.getAttribute('data-test')) === 'certify-box') {
      await page.click('[data-test=certify]')
      await page.click('.el-message-box button:has-text("确定")')
    }
    await page.waitForSelector('[data-test=certificate-link]')
    await page.waitForSelector('.el-descriptions .el-tag:has-text("已认证")')
    const number = (await page.textContent('[data-test=certificate-link]')).trim()
    assert(/^WFXB-\d{4}-\d{4}$/.test(number), 'certificate number ' + number)
    await page.locator('.el-page-header').scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(shots, 'cell-certified.png'), animations: 'disabled' })
    await page.click('[data-test=certificate-link]')
    await page.waitForURL(`**/console/cells/certificates/${number}`)
    await page.waitForSelector('.cert .el-tag:has-text("有效")')
    const qr = await page.waitForSelector('.qr img')
    await page.waitForFunction((img) => img.complete && img.naturalWidth > 0, qr)
    assert((await page.textContent('.cert')).includes('鄂尔多斯市第一中学'), 'certificate lacks the unit')
    await page.screenshot({ path: join(shots, 'certificate.png'), animations: 'disabled' })
    await page.context().close()

    // The public map and list, with counts by type that filter the list.
    page = await newPage()
    await page.goto(srv.base + '/console/cells/certified')
    await page.waitForSelector('text=共 1 个')
    assert((await drawnPixels(page, '[data-test=cells-map]')) > 0, 'certified map not drawn')
    await page.waitForSelector(`td:has-text("${number}")`)
    await page.click('[data-test=type-counts] >> text=学校 1')
    await page.waitForSelector(`td:has-text("${number}")`)
    await page.screenshot({ path: join(shots, 'cells-certified.png'), animations: 'disabled' })
    await page.context().close()
  })

  await test('a district handler resolves a complaint', async () => {
    const cit = (await call('POST', '/auth/wechat', '', { code: 'dev:e2e-reporter' })).token
    const photo = await upload(cit, PNG, 'dump.png', 'image/png')
    const c = await call('POST', '/complaints', cit, { category: 'illegal_dumping', description: '路边有人倾倒建筑垃圾，堆了一大片', ...DONGSHENG, address: '东胜区测试路口', photos: [photo], contact_phone: '13900000002' })
    // The admin accepts and assigns it in the console.
    let page = await newPage()
    await login(page, 'admin', ADMIN_PASS)
    await page.goto(base + `/console/complaints/${c.id}`)
    await page.click('[data-test=accept]')
    await page.waitForSelector('[data-test=assign-form]')
    await page.click('[data-test=assign-target]')
    await page.click('.el-select-dropdown__item:has-text("东胜区")')
    await page.click('[data-test=assign]')
    await page.waitForSelector('text=已交办')
    await page.context().close()

    page = await newPage()
    await login(page, 'dist1', PASS)
    await page.goto(base + '/console/complaints')
    await page.waitForSelector(`[data-test=complaint-table] >> text=${c.tracking_no}`)
    await page.screenshot({ path: join(shots, 'complaints-queue.png') })
    await page.click(`text=${c.tracking_no}`)
    await page.click('[data-test=start]')
    await page.waitForSelector('text=已开始办理')
    await page.fill('[data-test=result] textarea, textarea[data-test=result]', '已组织清运，并在路口设置监控和警示牌')
    await page.click('[data-test=resolve]')
    await page.waitForSelector('text=已办结，等待投诉人评价')
    assert((await page.textContent('.el-timeline')).includes('办结'), 'timeline lacks the resolution')
    await page.screenshot({ path: join(shots, 'complaint-detail.png') })
    await page.context().close()
  })

  await test('complaint statistics show the cases seeded through the API: 办结率, on-time rate, rating, by department and district, trend', async () => {
    const { srv, adm, expected } = await statsServer()
    // The service's own answer for the range the page asks (this year up to today, Beijing).
    const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10)
    const api = await srv.call('GET', `/complaints/stats?from=${today.slice(0, 4)}-01-01&to=${today}`, adm)
    for (const [k, v] of Object.entries(expected.admin)) assert(api[k] === v, `service ${k} = ${api[k]}, seeded ${v}`)
    let page = await newPage()
    await login(page, 'admin', ADMIN_PASS, srv.base)
    await page.goto(srv.base + '/console/complaints/sla')
    await page.waitForSelector('[data-test=sla]')
    const text = async (sel) => ((await page.textContent(sel)) ?? '').trim()
    assert((await text('[data-test=submitted]')) === '5', 'submitted ' + (await text('[data-test=submitted]')))
    assert((await text('[data-test=completion-rate]')) === '50%', '办结率 ' + (await text('[data-test=completion-rate]')))
    assert((await text('[data-test=completion-counts]')) === '结案 2 / 受理 4', 'counts ' + (await text('[data-test=completion-counts]')))
    assert((await text('[data-test=on-time-rate]')) === '100%', '按期办结率 ' + (await text('[data-test=on-time-rate]')))
    assert((await text('[data-test=rating]')) === '4.50', '平均评分 ' + (await text('[data-test=rating]')))
    assert((await text('[data-test=open]')) === '3', '在办 ' + (await text('[data-test=open]')))
    assert((await text('[data-test=overdue]')) === '0', '在办超期 ' + (await text('[data-test=overdue]')))
    // By district: 东胜区 has 2 of its 3 accepted cases closed; 达拉特旗 the one (not located) accepted, none closed.
    const row = (name) => text(`[data-test=stats-table] .el-table__row:has(.cell:text-is("${name}"))`)
    const ds = await row('东胜区')
    assert(ds.includes('66.67%') && ds.includes('4.50'), '东胜区 row: ' + ds)
    const dlt = await row('达拉特旗')
    assert(dlt.includes('0%') && !dlt.includes('66.67%'), '达拉特旗 row: ' + dlt)
    assert((await drawnPixels(page, '[data-test=dept-chart]')) > 0, 'department chart not drawn')
    assert((await drawnPixels(page, '[data-test=district-chart]')) > 0, 'district chart not drawn')
    assert((await drawnPixels(page, '[data-test=trend-chart]')) > 0, 'trend chart not drawn')
    await page.screenshot({ path: join(shots, 'complaints-sla.png'), animations: 'disabled' })
    await page.locator('[data-test=stats-table]').scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(shots, 'complaints-sla-table.png'), animations: 'disabled' })
    // Another step asks the service again.
    const current = await page.$eval('[data-test=granularity] .is-active input', (i) => i.value)
    const other = current === 'day' ? 'month' : 'day'
    const [req] = await Promise.all([
      page.waitForRequest((r) => r.url().includes('/api/v1/complaints/stats') && r.url().includes('granularity=' + other)),
      page.click(`[data-test=granularity] label:has(input[value=${other}])`),
    ])
    assert(new URL(req.url()).searchParams.get('from'), 'no from date asked')
    await page.waitForSelector(`text=趋势（${other === 'day' ? '按日' : '按月'}）`)
    assert((await drawnPixels(page, '[data-test=trend-chart]')) > 0, 'trend chart not redrawn')
    await page.context().close()

    // A district officer reads the same page over the cases of their district only.
    page = await newPage()
    await login(page, 'dist1', PASS, srv.base)
    assert((await menuText(page)).includes('办理情况统计'), 'district menu lacks the statistics')
    await page.goto(srv.base + '/console/complaints/sla')
    await page.waitForSelector('[data-test=sla]')
    assert((await text('[data-test=submitted]')) === '4', 'district submitted ' + (await text('[data-test=submitted]')))
    assert((await text('[data-test=completion-rate]')) === '66.67%', 'district 办结率 ' + (await text('[data-test=completion-rate]')))
    assert((await text('[data-test=completion-counts]')) === '结案 2 / 受理 3', 'district counts ' + (await text('[data-test=completion-counts]')))
    assert(!(await text('[data-test=stats-table]')).includes('达拉特旗'), 'district sees another district')
    assert((await drawnPixels(page, '[data-test=district-chart]')) > 0, 'district chart not drawn for the district officer')
    await page.screenshot({ path: join(shots, 'complaints-sla-district.png'), animations: 'disabled' })
    await page.context().close()
  })

  await test('a complaint filed by address only (Open311) shows no map point and says where it was placed', async () => {
    const { srv, unlocatedId } = await statsServer()
    const page = await newPage()
    await login(page, 'admin', ADMIN_PASS, srv.base)
    await page.goto(srv.base + '/console/complaints')
    await page.click('[data-test=complaint-tabs] >> text=待交办')
    const row = page.locator(`[data-test=complaint-table] tr:has-text("${unlocatedId}")`)
    await row.locator('[data-test=unlocated-tag]').waitFor()
    assert((await row.textContent()).includes('达拉特旗'), 'queue row lacks the district')
    await page.screenshot({ path: join(shots, 'complaints-queue-unlocated.png'), animations: 'disabled' })
    await page.goto(srv.base + `/console/complaints/${unlocatedId}`)
    const note = await page.waitForSelector('[data-test=unlocated]')
    assert((await note.textContent()).includes('未定位（按地址归属到 达拉特旗）'), 'note: ' + (await note.textContent()))
    assert((await page.getAttribute('[data-test=location] .district-map', 'data-points')) === '0', 'a point is drawn for a case without one')
    assert((await drawnPixels(page, '[data-test=location]')) > 0, 'location map not drawn')
    await page.screenshot({ path: join(shots, 'complaint-unlocated.png'), animations: 'disabled' })
    // A located case of the same server keeps its point.
    await page.goto(srv.base + `/console/complaints/${(await statsServer()).locatedId}`)
    await page.waitForSelector('[data-test=location] .district-map[data-points="1"]')
    assert(!(await page.isVisible('[data-test=unlocated]')), 'a located case is called not located')
    await page.context().close()
  })

  await test('the admin issues an Open311 key, sees it used, and revokes it', async () => {
    const open311 = (key) =>
      fetch(base + '/open311/v2/requests.json', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ api_key: key, service_code: 'illegal_dumping', lat: '39.8270', long: '109.7440', description: '热线转来：路边有建筑垃圾堆放' }),
      })
    const page = await newPage()
    await login(page, 'admin', ADMIN_PASS)
    await page.goto(base + '/console/admin/open311')
    await page.waitForSelector('[data-test=key-table]')
    await page.fill('input[data-test=key-name], [data-test=key-name] input', '市 12345 热线')
    await page.click('[data-test=issue-key]')
    const secret = (await (await page.waitForSelector('[data-test=secret]')).textContent()).trim()
    assert(secret.length >= 20, 'secret ' + secret)
    await page.waitForSelector('[data-test=key-table] tr:has-text("市 12345 热线") >> text=从未使用')
    await page.screenshot({ path: join(shots, 'open311-keys-issued.png'), animations: 'disabled' })
    assert(!(await page.textContent('[data-test=key-table]')).includes(secret), 'the list shows the secret')
    // The hotline uses it; the list shows when.
    let r = await open311(secret)
    assert(r.status === 201, 'open311 with the key: ' + r.status + ' ' + (await r.text()))
    await page.reload()
    await page.waitForSelector('[data-test=key-table] tr:has-text("市 12345 热线")')
    assert(!(await page.textContent('[data-test=key-table] tr:has-text("市 12345 热线")')).includes('从未使用'), 'last use not shown')
    assert(!(await page.isVisible('[data-test=secret]')), 'the secret is shown again after a reload')
    // Revoked after confirmation: the key stops working.
    await page.click('[data-test=key-table] tr:has-text("市 12345 热线") [data-test=revoke-key]')
    await page.waitForSelector('.el-message-box >> text=市 12345 热线')
    await page.click('.el-message-box button:has-text("吊销")')
    await page.waitForSelector('[data-test=key-table] tr:has-text("市 12345 热线") >> text=已吊销')
    await page.screenshot({ path: join(shots, 'open311-keys.png'), animations: 'disabled' })
    r = await open311(secret)
    assert(r.status >= 400 && r.status < 500, 'open311 with a revoked key: ' + r.status)
    await page.context().close()
  })

  await test('an ended session returns to the login page with a message', async () => {
    const page = await newPage()
    await login(page, 'dept1', PASS)
    const token = await page.evaluate(() => localStorage.getItem('wufei.console.token'))
    await call('POST', '/auth/logout', token) // the session ends elsewhere
    await page.goto(base + '/console/me')
    await page.waitForURL(/\/console\/login/)
    await page.waitForSelector('[data-test=notice], [data-test=username]')
    await page.context().close()
  })
} catch (e) {
  failed++
  console.log('FAIL setup:', e && e.stack ? e.stack : e)
} finally {
  if (browser) await browser.close()
  cleanup()
  await new Promise((r) => setTimeout(r, 300))
  rmSync(work, { recursive: true, force: true })
}
console.log(`screenshots: ${shots}`)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)

// The wx.* edge, faked: storage in memory, wx.login, navigation and toasts
// recorded, and wx.request / wx.uploadFile either answered by a test's
// handler or sent over real HTTP to a running `wufei serve`.
const http = require('http')
const fs = require('fs')
const path = require('path')

function install(opts) {
  opts = opts || {}
  const store = new Map()
  const calls = { request: [], navigateTo: [], redirectTo: [], switchTab: [], toast: [], modal: [], subscribe: [], openLocation: [], login: 0 }
  const fake = {
    store,
    calls,
    handler: opts.handler || null, // (req) => {statusCode, data} for unit tests
    base: opts.base || '',
    location: { latitude: 39.6086, longitude: 109.7813 },
    chosenLocation: null,
    media: [],
    files: [],
    actionSheetIndex: 0,
    modalConfirm: true,
    modalContent: '',
    subscribeResult: {},
    accountEnv: 'develop',
  }
  const w = global.wx
  w.getStorageSync = (k) => (store.has(k) ? store.get(k) : '')
  w.setStorageSync = (k, v) => store.set(k, v)
  w.removeStorageSync = (k) => store.delete(k)
  w.getAccountInfoSync = () => ({ miniProgram: { envVersion: fake.accountEnv } })
  w.login = (o) => {
    calls.login++
    o.success({ code: 'wxcode' })
  }
  w.showToast = (o) => calls.toast.push(o.title)
  w.showLoading = () => {}
  w.hideLoading = () => {}
  w.showModal = (o) => {
    calls.modal.push(o)
    setTimeout(() => o.success && o.success({ confirm: fake.modalConfirm, cancel: !fake.modalConfirm, content: fake.modalContent }), 0)
  }
  w.stopPullDownRefresh = () => {}
  w.navigateTo = (o) => calls.navigateTo.push(o.url)
  w.redirectTo = (o) => calls.redirectTo.push(o.url)
  w.switchTab = (o) => calls.switchTab.push(o.url)
  w.navigateBack = () => {}
  w.previewImage = () => {}
  w.openLocation = (o) => calls.openLocation.push(o)
  w.getLocation = (o) => {
    if (fake.location) o.success(Object.assign({}, fake.location))
    else o.fail({ errMsg: 'getLocation:fail auth deny' })
  }
  w.chooseLocation = (o) => {
    if (fake.chosenLocation) o.success(Object.assign({}, fake.chosenLocation))
    else o.fail({ errMsg: 'chooseLocation:fail cancel' })
  }
  w.chooseMedia = (o) => {
    const files = fake.media.slice(0, o.count).map((p) => ({ tempFilePath: p, size: 100, fileType: 'image' }))
    o.success({ tempFiles: files, type: 'image' })
  }
  w.showActionSheet = (o) => {
    calls.actionSheet = (calls.actionSheet || []).concat([o.itemList])
    if (fake.actionSheetIndex === null) o.fail && o.fail({ errMsg: 'showActionSheet:fail cancel' })
    else o.success({ tapIndex: fake.actionSheetIndex })
  }
  w.chooseMessageFile = (o) => {
    const files = fake.files.slice(0, o.count).map((p) => ({ path: p, name: require('path').basename(p), size: 100, type: 'file' }))
    o.success({ tempFiles: files })
  }
  w.requestSubscribeMessage = (o) => {
    calls.subscribe.push(o.tmplIds)
    const res = Object.assign({ errMsg: 'requestSubscribeMessage:ok' }, fake.subscribeResult)
    if (o.success) o.success(res)
    if (o.complete) o.complete(res)
  }
  w.request = (o) => {
    const req = { url: o.url, method: o.method || 'GET', data: o.data, header: o.header || {} }
    calls.request.push(req)
    if (fake.handler) {
      Promise.resolve()
        .then(() => fake.handler(req))
        .then((res) => {
          if (!res) o.fail({ errMsg: 'request:fail' })
          else o.success({ statusCode: res.statusCode || 200, data: res.data, header: {} })
        })
      return
    }
    realRequest(req).then(o.success, () => o.fail({ errMsg: 'request:fail' }))
  }
  w.uploadFile = (o) => {
    calls.request.push({ url: o.url, method: 'UPLOAD', filePath: o.filePath, header: o.header })
    if (fake.handler) {
      Promise.resolve(fake.handler({ url: o.url, method: 'UPLOAD', filePath: o.filePath, header: o.header })).then((res) =>
        o.success({ statusCode: res.statusCode || 201, data: JSON.stringify(res.data) }),
      )
      return
    }
    realUpload(o).then(o.success, () => o.fail({ errMsg: 'uploadFile:fail' }))
  }
  w.downloadFile = (o) => {
    calls.request.push({ url: o.url, method: 'DOWNLOAD', header: o.header })
    if (fake.handler) {
      Promise.resolve(fake.handler({ url: o.url, method: 'DOWNLOAD', header: o.header })).then((res) =>
        o.success({ statusCode: (res && res.statusCode) || 200, tempFilePath: 'wxfile://tmp/' + o.url.split('/').pop() }),
      )
      return
    }
    realDownload(o).then(o.success, () => o.fail({ errMsg: 'downloadFile:fail' }))
  }
  return fake
}

let dlDir = null
// downloadDir is the test file's folder for downloaded files; cleanup removes it.
function downloadDir() {
  if (!dlDir) dlDir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'wufei-mp-dl-'))
  return dlDir
}

/** cleanup removes what the fakes left on disk (run after each test file). */
function cleanup() {
  if (dlDir) fs.rmSync(dlDir, { recursive: true, force: true })
  dlDir = null
}

function realDownload(o) {
  return new Promise((resolve, reject) => {
    const u = new URL(o.url)
    const r = http.request({ hostname: u.hostname, port: u.port, path: u.pathname, method: 'GET', headers: o.header }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        const file = path.join(downloadDir(), path.basename(u.pathname))
        fs.writeFileSync(file, Buffer.concat(chunks))
        resolve({ statusCode: res.statusCode, tempFilePath: file })
      })
    })
    r.on('error', reject)
    r.end()
  })
}

function realRequest(req) {
  return new Promise((resolve, reject) => {
    const u = new URL(req.url)
    let body = null
    if (req.data !== undefined && req.method !== 'GET') body = Buffer.from(JSON.stringify(req.data))
    const headers = Object.assign({}, req.header)
    if (body) headers['Content-Length'] = body.length
    const r = http.request({ hostname: u.hostname, port: u.port, path: u.pathname + u.search, method: req.method, headers }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let data = text
        try {
          data = JSON.parse(text)
        } catch (e) {
          // non-JSON answers stay text, as wx.request gives them
        }
        resolve({ statusCode: res.statusCode, data, header: res.headers })
      })
    })
    r.on('error', reject)
    if (body) r.write(body)
    r.end()
  })
}

function realUpload(o) {
  return new Promise((resolve, reject) => {
    const u = new URL(o.url)
    const boundary = '----wufeitest' + Date.now()
    const file = fs.readFileSync(o.filePath)
    const head = Buffer.from(
      '--' + boundary + '\r\nContent-Disposition: form-data; name="' + o.name + '"; filename="' + path.basename(o.filePath) +
        '"\r\nContent-Type: application/octet-stream\r\n\r\n',
    )
    const tail = Buffer.from('\r\n--' + boundary + '--\r\n')
    const body = Buffer.concat([head, file, tail])
    const headers = Object.assign({}, o.header, { 'Content-Type': 'multipart/form-data; boundary=' + boundary, 'Content-Length': body.length })
    const r = http.request({ hostname: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ statusCode: res.statusCode, data: Buffer.concat(chunks).toString('utf8') }))
    })
    r.on('error', reject)
    r.write(body)
    r.end()
  })
}

/** flush lets pending promise callbacks and zero-delay timers run. */
function flush(times) {
  let p = Promise.resolve()
  for (let i = 0; i < (times || 5); i++) p = p.then(() => new Promise((r) => setTimeout(r, 0)))
  return p
}

/** until waits, by turns of the event loop and never by a fixed delay, until cond() holds. */
async function until(cond, what) {
  const deadline = Date.now() + 10000 // well inside Jest's timeout, so the failure names the condition
  while (Date.now() < deadline) {
    if (cond()) return
    await new Promise((r) => setTimeout(r, 1))
  }
  throw new Error('never happened: ' + (what || cond.toString()))
}

module.exports = { install, flush, until, realRequest, realUpload, cleanup }

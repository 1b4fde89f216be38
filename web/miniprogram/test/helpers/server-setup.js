// Jest global set-up: builds the wufei binary (or takes WUFEI_BIN), starts
// `wufei serve` on 127.0.0.1 with a temporary data directory on the embedded
// defaults and a bootstrap admin, and waits for /readyz. The end-to-end
// tests find it through WUFEI_E2E_BASE.
const { spawn, execFileSync } = require('child_process')
const fs = require('fs')
const os = require('os')
const path = require('path')
const net = require('net')
const http = require('http')

const ADMIN = { username: 'admin', password: 'e2e-admin-password' }

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.listen(0, '127.0.0.1', () => {
      const port = s.address().port
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

function ready(base) {
  return new Promise((resolve) => {
    http
      .get(base + '/readyz', (res) => {
        res.resume()
        resolve(res.statusCode === 200)
      })
      .on('error', () => resolve(false))
  })
}

module.exports = async function () {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wufei-mp-'))
  let bin = process.env.WUFEI_BIN
  const fail = (err) => {
    fs.rmSync(tmp, { recursive: true, force: true })
    throw err
  }
  if (!bin) {
    bin = path.join(tmp, 'wufei')
    const repo = path.resolve(__dirname, '../../../..')
    try {
      execFileSync('go', ['build', '-o', bin, './cmd/wufei'], { cwd: repo, stdio: 'inherit' })
    } catch (err) {
      fail(err)
    }
  }
  const port = await freePort()
  const base = 'http://127.0.0.1:' + port
  const log = fs.openSync(path.join(tmp, 'serve.log'), 'w')
  // Publicity of 0 days lets a test certify a cell at once instead of waiting a week.
  const env = Object.assign({}, process.env, { WUFEI_BOOTSTRAP_ADMIN: ADMIN.username + ':' + ADMIN.password, WUFEI_CELLS_PUBLICITY_DAYS: '0' })
  // The embedded defaults, whatever the caller's environment says.
  delete env.MONGODB_URI
  delete env.REDIS_URL
  delete env.WUFEI_WECHAT_APP_ID
  const child = spawn(bin, ['serve', '--addr', '127.0.0.1:' + port, '--data-dir', path.join(tmp, 'data')], {
    env,
    stdio: ['ignore', log, log],
  })
  let exited = false
  child.on('exit', () => {
    exited = true
  })
  const deadline = Date.now() + 60000
  for (;;) {
    if (await ready(base)) break
    if (exited || Date.now() > deadline) {
      const log = fs.readFileSync(path.join(tmp, 'serve.log'), 'utf8')
      if (!exited) child.kill('SIGTERM')
      fail(new Error('wufei serve did not start; log:\n' + log))
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  process.env.WUFEI_E2E_BASE = base
  process.env.WUFEI_E2E_ADMIN = JSON.stringify(ADMIN)
  globalThis.__wufei = { child, tmp }
}

// Starting and stopping `wufei serve` for the end-to-end tests: on
// 127.0.0.1, a temporary data directory, the embedded defaults (whatever the
// caller's environment says) and a bootstrap admin. server-setup.js starts
// the run's shared server with it; a test that needs other settings (e.g.
// a publicity that lasts) starts its own.
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

/** build compiles the binary into dir (when WUFEI_BIN does not name one) and answers its path. */
function build(dir) {
  if (process.env.WUFEI_BIN) return process.env.WUFEI_BIN
  const bin = path.join(dir, 'wufei')
  execFileSync('go', ['build', '-o', bin, './cmd/wufei'], { cwd: path.resolve(__dirname, '../../../..'), stdio: 'inherit' })
  return bin
}

/**
 * start runs bin with settings env (WUFEI_* variables) in a new temporary
 * directory and waits for /readyz. It answers {base, admin, stop}; stop ends
 * the server and removes its files.
 */
async function start(bin, env) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wufei-mp-'))
  const port = await freePort()
  const base = 'http://127.0.0.1:' + port
  const logFile = path.join(tmp, 'serve.log')
  const log = fs.openSync(logFile, 'w')
  const e = Object.assign({}, process.env, { WUFEI_BOOTSTRAP_ADMIN: ADMIN.username + ':' + ADMIN.password }, env || {})
  delete e.MONGODB_URI
  delete e.REDIS_URL
  delete e.WUFEI_WECHAT_APP_ID
  const child = spawn(bin, ['serve', '--addr', '127.0.0.1:' + port, '--data-dir', path.join(tmp, 'data')], { env: e, stdio: ['ignore', log, log] })
  fs.closeSync(log)
  let exited = false
  child.on('exit', () => {
    exited = true
  })
  const stop = async () => {
    if (!exited) {
      const done = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await done
    }
    fs.rmSync(tmp, { recursive: true, force: true })
  }
  const deadline = Date.now() + 60000
  for (;;) {
    if (await ready(base)) break
    if (exited || Date.now() > deadline) {
      const text = fs.readFileSync(logFile, 'utf8')
      await stop()
      throw new Error('wufei serve did not start; log:\n' + text)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return { base, admin: ADMIN, stop }
}

module.exports = { build, start, ADMIN }

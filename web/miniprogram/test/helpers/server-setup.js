// Jest global set-up: builds the wufei binary (or takes WUFEI_BIN) and
// starts the run's shared `wufei serve` (helpers/server.js). The end-to-end
// tests find it through WUFEI_E2E_BASE, and the binary through
// WUFEI_E2E_BIN for servers of their own.
const fs = require('fs')
const os = require('os')
const path = require('path')
const server = require('./server')

module.exports = async function () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wufei-mp-bin-'))
  let s
  try {
    const bin = server.build(dir)
    // Publicity of 0 days lets a test certify a cell at once instead of waiting a week.
    s = await server.start(bin, { WUFEI_CELLS_PUBLICITY_DAYS: '0' })
    process.env.WUFEI_E2E_BIN = bin
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true })
    throw err
  }
  process.env.WUFEI_E2E_BASE = s.base
  process.env.WUFEI_E2E_ADMIN = JSON.stringify(s.admin)
  globalThis.__wufei = { stop: s.stop, dir }
}

// Jest global tear-down: stops the server this run started and removes its
// files and the binary it built.
const fs = require('fs')

module.exports = async function () {
  const s = globalThis.__wufei
  if (!s) return
  await s.stop()
  fs.rmSync(s.dir, { recursive: true, force: true })
}

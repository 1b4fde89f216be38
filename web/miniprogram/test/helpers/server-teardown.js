// Jest global tear-down: stops the server this run started and removes its files.
const fs = require('fs')

module.exports = async function () {
  const s = globalThis.__wufei
  if (!s) return
  if (s.child.exitCode === null) {
    const done = new Promise((r) => s.child.once('exit', r))
    s.child.kill('SIGTERM')
    await done
  }
  fs.rmSync(s.tmp, { recursive: true, force: true })
}

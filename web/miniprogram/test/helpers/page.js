// Loading pages and components into miniprogram-simulate.
const fs = require('fs')
const path = require('path')
const simulate = require('miniprogram-simulate')
const simulateUtils = require('miniprogram-simulate/src/utils')

// simulate runs a component's JS with require, expecting Component() to be
// called each time; Jest's module registry would run it only once per test
// file. So the component file itself is evaluated afresh, while what it
// requires (utils/api.js, config.js) stays shared with the test.
simulateUtils.runJs = (filePath) => {
  const file = filePath.endsWith('.js') ? filePath : filePath + '.js'
  const dir = path.dirname(file)
  const mod = { exports: {} }
  const req = (p) => require(p.charAt(0) === '.' ? path.resolve(dir, p) : p)
  // eslint-disable-next-line no-new-func
  new Function('require', 'module', 'exports', '__filename', '__dirname', fs.readFileSync(file, 'utf8'))(req, mod, mod.exports, file, dir)
}

const ROOT = path.resolve(__dirname, '../..')
const ids = {}

function load(rel) {
  if (!ids[rel]) ids[rel] = simulate.load(path.join(ROOT, rel), { rootPath: ROOT })
  return ids[rel]
}

/** render attaches a fresh instance of the page or component at rel (e.g. 'pages/index/index'). */
function render(rel, props) {
  const comp = simulate.render(load(rel), props)
  comp.attach(document.createElement('parent-wrapper'))
  return comp
}

/** text is the rendered text of a component, whitespace collapsed. */
function text(comp) {
  return comp.dom.textContent.replace(/\s+/g, ' ')
}

module.exports = { ROOT, load, render, text, simulate }

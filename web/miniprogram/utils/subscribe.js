// Asking for subscribe-message permission (WeChat only shows the dialog
// inside a tap, so callers run this first thing in their tap handler). The
// template ids come from config.js; none configured means nothing is asked.
// The answer never blocks what the user is doing.
const config = require('../config')

/** ask shows the permission dialog for the templates of kind ("complaint", "cell") and resolves when it closes. */
function ask(kind) {
  const ids = (config.subscribe && config.subscribe[kind]) || []
  if (!ids.length || !wx.requestSubscribeMessage) return Promise.resolve()
  return new Promise((resolve) => wx.requestSubscribeMessage({ tmplIds: ids, complete: () => resolve() }))
}

module.exports = { ask }

// A fake API for page tests: routes "METHOD /path" to an answer or a
// function of the request; anything else is the service's 404.
const config = require('../../config')

function json(data, status) {
  return { statusCode: status || 200, data }
}

function apiError(status, code, message, fields) {
  return json({ error: { code, message, fields } }, status)
}

function routes(fake, table) {
  fake.handler = (req) => {
    const path = req.url.replace(config.apiBase, '').split('?')[0]
    const h = table[req.method + ' ' + path]
    if (!h) return apiError(404, 'not_found', '未找到')
    return typeof h === 'function' ? h(req) : h
  }
}

function reset(fake) {
  fake.store.clear()
  fake.store.set('wufei_token', 'tok')
  Object.keys(fake.calls).forEach((k) => {
    if (Array.isArray(fake.calls[k])) fake.calls[k].length = 0
  })
  fake.location = { latitude: 39.6086, longitude: 109.7813 }
  fake.chosenLocation = null
  fake.media = []
  fake.files = []
  fake.actionSheetIndex = 0
  fake.modalConfirm = true
  fake.modalContent = ''
  config.apiBase = 'http://api.test'
  config.subscribe = { complaint: [], cell: [] }
}

module.exports = { json, apiError, routes, reset }

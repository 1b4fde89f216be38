// Helpers for end-to-end tests against the server started by server-setup.js:
// the admin's token, and seeding through the API exactly as the console would.
const { realRequest } = require('./wx')

const base = () => process.env.WUFEI_E2E_BASE

async function call(method, path, token, data) {
  const header = { 'Content-Type': 'application/json' }
  if (token) header.Authorization = 'Bearer ' + token
  return realRequest({ url: base() + path, method, data, header })
}

let adminToken = null
async function admin() {
  if (adminToken) return adminToken
  const a = JSON.parse(process.env.WUFEI_E2E_ADMIN)
  const res = await call('POST', '/api/v1/auth/login', '', a)
  if (res.statusCode !== 200) throw new Error('admin login: ' + JSON.stringify(res.data))
  adminToken = res.data.token
  return adminToken
}

/** citizen logs a dev-mode citizen in and answers its token. */
async function citizen(openid) {
  const res = await call('POST', '/api/v1/auth/wechat', '', { code: 'dev:' + openid })
  if (res.statusCode !== 200) throw new Error('citizen login: ' + JSON.stringify(res.data))
  return res.data.token
}

module.exports = { base, call, admin, citizen }

// Helpers for end-to-end tests against the server started by server-setup.js
// (or one a test starts itself with helpers/server.js): the admin's token, and
// seeding through the API exactly as the console would.
const { realRequest } = require('./wx')

/** client answers the helpers for the server at base whose bootstrap admin is adminLogin. */
function client(base, adminLogin) {
  async function call(method, path, token, data) {
    const header = { 'Content-Type': 'application/json' }
    if (token) header.Authorization = 'Bearer ' + token
    return realRequest({ url: base() + path, method, data, header })
  }

  let adminToken = null
  async function admin() {
    if (adminToken) return adminToken
    const res = await call('POST', '/api/v1/auth/login', '', adminLogin())
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

  /** staff creates a staff account (as the admin) and answers its token. */
  async function staff(username, role, scope) {
    const password = username + '-pass-1'
    const u = await call('POST', '/api/v1/admin/users', await admin(), Object.assign({ username, password, role }, scope))
    if (u.statusCode !== 201) throw new Error('create ' + username + ': ' + JSON.stringify(u.data))
    const l = await call('POST', '/api/v1/auth/login', '', { username, password })
    if (l.statusCode !== 200) throw new Error('login ' + username + ': ' + JSON.stringify(l.data))
    return l.data.token
  }

  return { base, call, admin, citizen, staff }
}

// The run's shared server (server-setup.js).
module.exports = Object.assign(
  client(
    () => process.env.WUFEI_E2E_BASE,
    () => JSON.parse(process.env.WUFEI_E2E_ADMIN),
  ),
  { client },
)

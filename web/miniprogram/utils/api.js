// Every call to the wufei API goes through this module: it adds the session
// token, logs in silently when there is none or the server says it expired
// (401), and turns the API's error answer into an ApiError whose message is
// the server's Chinese `error.message`, ready to show to the user.
const config = require('../config')

const TOKEN_KEY = 'wufei_token'
const USER_KEY = 'wufei_user'
const DEV_OPENID_KEY = 'wufei_dev_openid'

const NETWORK_MESSAGE = '网络连接失败，请检查网络后重试'
const SERVER_MESSAGE = '服务暂时不可用，请稍后重试'

/** ApiError carries the HTTP status, the API's stable code, its Chinese message and per-field errors. */
class ApiError extends Error {
  constructor(status, code, message, fields) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.fields = fields || []
  }
}

function toError(res) {
  const body = res && res.data
  if (body && typeof body === 'object' && body.error && body.error.message) {
    return new ApiError(res.statusCode, body.error.code || 'error', body.error.message, body.error.fields)
  }
  if (res.statusCode === 413) return new ApiError(413, 'too_large', '文件或内容过大')
  return new ApiError(res.statusCode, 'http_' + res.statusCode, SERVER_MESSAGE)
}

function url(path) {
  return config.apiBase.replace(/\/$/, '') + path
}

function query(params) {
  const parts = []
  Object.keys(params || {}).forEach((k) => {
    const v = params[k]
    if (v === undefined || v === null || v === '') return
    parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(v))
  })
  return parts.length ? '?' + parts.join('&') : ''
}

function send(method, path, data, token) {
  return new Promise((resolve, reject) => {
    const header = { 'Content-Type': 'application/json' }
    if (token) header.Authorization = 'Bearer ' + token
    wx.request({
      url: url(path),
      method,
      data: data === undefined ? undefined : data,
      header,
      timeout: config.timeout,
      dataType: 'json',
      success: resolve,
      fail: () => reject(new ApiError(0, 'network', NETWORK_MESSAGE)),
    })
  })
}

function getToken() {
  return wx.getStorageSync(TOKEN_KEY) || ''
}

/** currentUser is the user the last login answered with, or null. */
function currentUser() {
  return wx.getStorageSync(USER_KEY) || null
}

function clearSession() {
  wx.removeStorageSync(TOKEN_KEY)
  wx.removeStorageSync(USER_KEY)
}

function wxLoginCode() {
  if (config.devLogin) {
    // A development server accepts `dev:<openid>`; keep one made-up openid
    // per device so the same person comes back after a re-login.
    let openid = wx.getStorageSync(DEV_OPENID_KEY)
    if (!openid) {
      openid = 'devuser' + Date.now().toString(36) + Math.random().toString(36).slice(2, 8)
      wx.setStorageSync(DEV_OPENID_KEY, openid)
    }
    return Promise.resolve('dev:' + openid)
  }
  return new Promise((resolve, reject) => {
    wx.login({
      success: (r) => (r.code ? resolve(r.code) : reject(new ApiError(0, 'wx_login', '微信登录失败，请重试'))),
      fail: () => reject(new ApiError(0, 'wx_login', '微信登录失败，请重试')),
    })
  })
}

let pendingLogin = null

/**
 * login exchanges a wx.login code for a session token and stores it. Calls
 * made while a login is under way share it, so a page firing several
 * requests at start logs in once.
 */
function login() {
  if (!pendingLogin) {
    pendingLogin = wxLoginCode()
      .then((code) => send('POST', '/api/v1/auth/wechat', { code }))
      .then((res) => {
        if (res.statusCode !== 200) throw toError(res)
        wx.setStorageSync(TOKEN_KEY, res.data.token)
        wx.setStorageSync(USER_KEY, res.data.user)
        return res.data.token
      })
    const clear = () => {
      pendingLogin = null
    }
    pendingLogin.then(clear, clear)
  }
  return pendingLogin
}

/**
 * request calls the API and resolves with the decoded answer of a 2xx. With
 * auth (the default) it logs in first when needed and once more on a 401;
 * public reads pass {auth: false} and send no token.
 */
async function request(method, path, data, opts) {
  const auth = !opts || opts.auth !== false
  let token = ''
  if (auth) token = getToken() || (await login())
  let res = await send(method, path, data, token)
  if (res.statusCode === 401 && auth) {
    clearSession()
    token = await login()
    res = await send(method, path, data, token)
  }
  if (res.statusCode >= 200 && res.statusCode < 300) return res.data
  throw toError(res)
}

function uploadOnce(filePath, token) {
  return new Promise((resolve, reject) => {
    wx.uploadFile({
      url: url('/api/v1/uploads'),
      filePath,
      name: 'file',
      header: { Authorization: 'Bearer ' + token },
      timeout: 60000,
      success: (res) => {
        let body = res.data
        try {
          body = JSON.parse(res.data)
        } catch (e) {
          // keep the raw text; toError falls back to a generic message
        }
        resolve({ statusCode: res.statusCode, data: body })
      },
      fail: () => reject(new ApiError(0, 'network', NETWORK_MESSAGE)),
    })
  })
}

/** upload sends one local file (photo or PDF) to /api/v1/uploads and resolves with the stored upload. */
async function upload(filePath) {
  let token = getToken() || (await login())
  let res = await uploadOnce(filePath, token)
  if (res.statusCode === 401) {
    clearSession()
    token = await login()
    res = await uploadOnce(filePath, token)
  }
  if (res.statusCode === 201 || res.statusCode === 200) return res.data
  throw toError(res)
}

function downloadOnce(path, token) {
  return new Promise((resolve, reject) => {
    wx.downloadFile({
      url: url(path),
      header: { Authorization: 'Bearer ' + token },
      success: resolve,
      fail: () => reject(new ApiError(0, 'network', NETWORK_MESSAGE)),
    })
  })
}

/**
 * download fetches a file the caller may see (an upload: photos, evidence)
 * to a local temporary path for <image> or wx.openDocument; an <image src>
 * could not carry the session token.
 */
async function download(path) {
  let token = getToken() || (await login())
  let res = await downloadOnce(path, token)
  if (res.statusCode === 401) {
    clearSession()
    token = await login()
    res = await downloadOnce(path, token)
  }
  if (res.statusCode === 200) return res.tempFilePath
  throw new ApiError(res.statusCode, 'download_failed', res.statusCode === 404 ? '文件不存在或无权查看' : SERVER_MESSAGE)
}

/** message is what to show for any failure: the API's Chinese message, or a generic one. */
function message(err) {
  if (err instanceof ApiError) return err.message
  return '出错了，请稍后重试'
}

/** fieldErrors maps a validation error's fields to messages, for showing beside form inputs. */
function fieldErrors(err) {
  const out = {}
  if (!(err instanceof ApiError)) return out
  err.fields.forEach((f) => {
    out[f.field] = f.message || err.message
  })
  return out
}

module.exports = {
  ApiError,
  request,
  get: (path, params, opts) => request('GET', path + query(params), undefined, opts),
  post: (path, data, opts) => request('POST', path, data === undefined ? {} : data, opts),
  patch: (path, data, opts) => request('PATCH', path, data, opts),
  upload,
  download,
  login,
  getToken,
  currentUser,
  clearSession,
  message,
  fieldErrors,
  query,
}

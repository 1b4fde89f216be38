// The one place that says where the API is. Which entry applies follows the
// mini-program's own version (开发版 / 体验版 / 正式版), so a build uploaded for
// review can never point at a developer's machine.
//
// develop: a local `wufei serve` in development mode (no AppID configured),
// which accepts the login code `dev:<openid>`; in WeChat DevTools tick
// 「不校验合法域名」. trial / release: the HTTPS domain registered under
// 开发管理 → 服务器域名 in the mini-program console, with real wx.login codes.
const ENVS = {
  develop: { apiBase: 'http://127.0.0.1:8080', devLogin: true },
  trial: { apiBase: 'https://wufei.ordos.example', devLogin: false },
  release: { apiBase: 'https://wufei.ordos.example', devLogin: false },
}

function envVersion() {
  try {
    return wx.getAccountInfoSync().miniProgram.envVersion || 'release'
  } catch (e) {
    return 'release'
  }
}

// Subscribe-message template ids (小程序后台 → 订阅消息), the same ones the
// service's wechat.templates names. Empty: the citizen is not asked.
const SUBSCRIBE = {
  complaint: [],
  cell: [],
}

const settings = Object.assign({ timeout: 15000, subscribe: SUBSCRIBE }, ENVS[envVersion()] || ENVS.release)

module.exports = settings

// 我的: who is logged in, links to the user's own reports and applications,
// and the notifications the service sent (also as WeChat subscribe messages).
const api = require('../../utils/api')
const { dateTime } = require('../../utils/format')

const ROLES = { citizen: '市民', admin: '市无废办', department: '市直部门', district: '旗区', evaluator: '第三方测评机构' }

// Pages for the user's own records; a flow is listed here once its page exists.
const LINKS = [
  { title: '我的举报', url: '/pages/complaint/mine' },
  { title: '我的无废细胞申报', url: '/pages/cells/applications/index' },
]

Component({
  data: { loading: true, error: '', user: null, initial: '', roleText: '', notifications: [], links: LINKS },
  methods: {
    onLoad() {
      this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    load() {
      this.setData({ loading: true, error: '' })
      return Promise.all([api.get('/api/v1/me'), api.get('/api/v1/notifications', { limit: 20 })])
        .then(([user, notes]) => {
          this.setData({
            loading: false,
            user,
            initial: (user.display_name || '民').slice(0, 1),
            roleText: ROLES[user.role] || user.role,
            notifications: (notes.items || []).map((n) => ({ id: n.id, title: n.title, body: n.body, page: n.page || '', when: dateTime(n.created_at) })),
          })
        })
        .catch((err) => this.setData({ loading: false, error: api.message(err) }))
    },
    go(e) {
      wx.navigateTo({ url: e.currentTarget.dataset.url })
    },
    openNotification(e) {
      const page = e.currentTarget.dataset.page
      if (page) wx.navigateTo({ url: page.charAt(0) === '/' ? page : '/' + page })
    },
    logout() {
      return api
        .post('/api/v1/auth/logout')
        .catch(() => {}) // the token is dropped here either way
        .then(() => {
          api.clearSession()
          wx.showToast({ title: '已退出登录', icon: 'none' })
          return this.load() // logs in again silently, as a fresh session
        })
    },
  },
})

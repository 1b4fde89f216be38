// 我的举报: the citizen's own reports and those they follow, newest first.
const api = require('../../utils/api')
const { dateTime } = require('../../utils/format')

const COLORS = { submitted: '#fb8c00', accepted: '#1e88e5', assigned: '#1e88e5', in_progress: '#1e88e5', resolved: '#43a047', closed: '#9e9e9e', rejected: '#e53935', merged: '#9e9e9e' }

function view(c, me) {
  return {
    id: c.id,
    category_name: c.category_name,
    status_label: c.status_label,
    color: COLORS[c.status] || '#9e9e9e',
    description: c.description,
    when: dateTime(c.submitted_at),
    following: c.view !== 'full', // the reporter sees the full view; followers the public one
  }
}

Component({
  data: { loading: true, error: '', items: [], next: '', moreLoading: false },
  methods: {
    onLoad() {
      this.load()
    },
    onShow() {
      // Back from a detail page where a rating may have changed the status.
      if (this.loaded) this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      this.more()
    },
    load() {
      this.setData({ loading: true, error: '' })
      return api
        .get('/api/v1/complaints/mine', { limit: 20 })
        .then((page) => {
          this.loaded = true
          this.setData({ loading: false, items: page.items.map(view), next: page.next_cursor || '' })
        })
        .catch((err) => this.setData({ loading: false, error: api.message(err) }))
    },
    more() {
      if (!this.data.next || this.data.moreLoading) return Promise.resolve()
      this.setData({ moreLoading: true })
      return api
        .get('/api/v1/complaints/mine', { limit: 20, cursor: this.data.next })
        .then((page) => this.setData({ moreLoading: false, items: this.data.items.concat(page.items.map(view)), next: page.next_cursor || '' }))
        .catch((err) => {
          this.setData({ moreLoading: false })
          wx.showToast({ title: api.message(err), icon: 'none' })
        })
    },
    open(e) {
      wx.navigateTo({ url: '/pages/complaint/detail?id=' + e.currentTarget.dataset.id })
    },
    report() {
      wx.navigateTo({ url: '/pages/complaint/report' })
    },
  },
})

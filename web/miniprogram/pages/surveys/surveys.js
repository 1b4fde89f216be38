// 问卷调查: the surveys open now.
const api = require('../../utils/api')
const { dateTime } = require('../../utils/format')

function view(s) {
  return { id: s.id, title: s.title, description: s.description, closes: dateTime(s.closes_at), count: (s.questions || []).length }
}

Component({
  data: { loading: true, error: '', items: [], next: '', moreLoading: false },
  methods: {
    onLoad() {
      this.load()
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
        .get('/api/v1/surveys', { limit: 20 })
        .then((page) => this.setData({ loading: false, items: page.items.map(view), next: page.next_cursor || '' }))
        .catch((err) => this.setData({ loading: false, error: api.message(err) }))
    },
    more() {
      if (!this.data.next || this.data.moreLoading) return Promise.resolve()
      this.setData({ moreLoading: true })
      return api
        .get('/api/v1/surveys', { limit: 20, cursor: this.data.next })
        .then((page) => this.setData({ moreLoading: false, items: this.data.items.concat(page.items.map(view)), next: page.next_cursor || '' }))
        .catch((err) => {
          this.setData({ moreLoading: false })
          wx.showToast({ title: api.message(err), icon: 'none' })
        })
    },
    open(e) {
      wx.navigateTo({ url: '/pages/survey/survey?id=' + e.currentTarget.dataset.id })
    },
  },
})

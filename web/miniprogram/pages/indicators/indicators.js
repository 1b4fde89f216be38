// 指标进展: the 52 indicators with their status, filtered by group or text,
// a page at a time (the API's cursor).
const api = require('../../utils/api')
const { indicatorView } = require('../../utils/format')

Component({
  data: {
    loading: true,
    error: '',
    groups: [''],
    group: '',
    q: '',
    items: [],
    next: '',
    moreLoading: false,
    moreError: '',
  },
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
    params(cursor) {
      return { limit: 20, level1: this.data.group, q: this.data.q, cursor }
    },
    load() {
      this.setData({ loading: true, error: '', moreError: '' })
      return api
        .get('/api/v1/indicators', this.params(''), { auth: false })
        .then((page) => {
          const items = page.items.map(indicatorView)
          const data = { loading: false, items, next: page.next_cursor || '' }
          // The groups come from the unfiltered list, in table order.
          if (!this.data.group && !this.data.q) data.groups = groupsOf(items, this.data.groups)
          this.setData(data)
        })
        .catch((err) => this.setData({ loading: false, error: api.message(err) }))
    },
    more() {
      if (!this.data.next || this.data.moreLoading) return Promise.resolve()
      this.setData({ moreLoading: true, moreError: '' })
      return api
        .get('/api/v1/indicators', this.params(this.data.next), { auth: false })
        .then((page) => {
          const items = this.data.items.concat(page.items.map(indicatorView))
          const data = { moreLoading: false, items, next: page.next_cursor || '' }
          if (!this.data.group && !this.data.q) data.groups = groupsOf(items, this.data.groups)
          this.setData(data)
        })
        .catch((err) => this.setData({ moreLoading: false, moreError: api.message(err) }))
    },
    pickGroup(e) {
      this.setData({ group: e.currentTarget.dataset.group })
      return this.load()
    },
    search(e) {
      this.setData({ q: (e.detail.value || '').trim() })
      return this.load()
    },
    open(e) {
      wx.navigateTo({ url: '/pages/indicator/indicator?code=' + e.currentTarget.dataset.code })
    },
  },
})

function groupsOf(items, known) {
  const out = known.slice()
  items.forEach((i) => {
    if (out.indexOf(i.level1) < 0) out.push(i.level1)
  })
  return out
}

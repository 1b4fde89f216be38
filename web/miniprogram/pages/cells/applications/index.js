// 我的申报: the applications this citizen made for their units.
const api = require('../../../utils/api')
const rules = require('../../../utils/cell')
const { dateTime } = require('../../../utils/format')

const COLORS = { draft: '#9e9e9e', returned: '#fb8c00', certified: '#2e7d32', rejected: '#e53935', publicity: '#8e24aa' }

function view(a) {
  return { id: a.id, name: (a.unit && a.unit.name) || '', type_name: a.type_name, status: rules.STATUS[a.status] || a.status, color: COLORS[a.status] || '#1e88e5', when: dateTime(a.updated_at) }
}

Component({
  data: { loading: true, error: '', items: [], next: '' },
  methods: {
    onLoad() {
      this.load()
    },
    onShow() {
      if (this.loaded) this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    load() {
      this.setData({ loading: true, error: '' })
      return api
        .get('/api/v1/cells/applications', { limit: 20 })
        .then((p) => {
          this.loaded = true
          this.setData({ loading: false, items: p.items.map(view), next: p.next_cursor || '' })
        })
        .catch((err) => this.setData({ loading: false, error: api.message(err) }))
    },
    more() {
      return api
        .get('/api/v1/cells/applications', { limit: 20, cursor: this.data.next })
        .then((p) => this.setData({ items: this.data.items.concat(p.items.map(view)), next: p.next_cursor || '' }))
        .catch((err) => wx.showToast({ title: api.message(err), icon: 'none' }))
    },
    open(e) {
      wx.navigateTo({ url: '/pages/cells/application/index?id=' + e.currentTarget.dataset.id })
    },
    create() {
      wx.navigateTo({ url: '/pages/cells/application/index' })
    },
  },
})

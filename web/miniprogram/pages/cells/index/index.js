// 无废细胞: the units holding a valid certificate, by type, with the way in
// to apply. Public: no login needed to read it.
const api = require('../../../utils/api')
const { date, dateTime } = require('../../../utils/format')

// Ordos' centre, for the map before any unit is on it.
const ORDOS = { latitude: 39.6086, longitude: 109.7813 }

function view(c) {
  return { number: c.number, unit_name: c.unit_name, type_name: c.type_name, district_name: c.district_name, expires: date(c.expires_at), lat: c.lat, lng: c.lng }
}

function markers(items) {
  return items
    .filter((c) => typeof c.lat === 'number' && typeof c.lng === 'number' && (c.lat || c.lng))
    .map((c, i) => ({ id: i, latitude: c.lat, longitude: c.lng, title: c.unit_name, width: 24, height: 32, callout: { content: c.unit_name, display: 'BYCLICK' } }))
}

Component({
  data: { loading: true, error: '', items: [], next: '', type: '', types: [], total: 0, markers: [], center: ORDOS, publicity: [] },
  methods: {
    onLoad() {
      this.loadTypes()
      this.loadPublicity()
      this.load()
    },
    loadPublicity() {
      return api
        .get('/api/v1/cells/publicity', null, { auth: false })
        .then((r) => this.setData({ publicity: (r.items || []).map((p) => Object.assign({}, p, { end: dateTime(p.end) })) }))
        .catch(() => {}) // the certified list is the page; publicity is an extra
    },
    // object asks for the reason in a dialog and sends it; it needs a login,
    // which api.js does silently.
    object(e) {
      const { id, name } = e.currentTarget.dataset
      return new Promise((resolve) =>
        wx.showModal({
          title: '对“' + name + '”提出异议',
          editable: true,
          placeholderText: '请写明异议的事实和理由',
          confirmText: '提交',
          success: (r) => {
            const text = ((r && r.content) || '').trim()
            if (!r.confirm) return resolve()
            if (!text) {
              wx.showToast({ title: '请填写异议理由', icon: 'none' })
              return resolve()
            }
            api
              .post('/api/v1/cells/applications/' + encodeURIComponent(id) + '/objections', { text })
              .then(() => wx.showToast({ title: '异议已提交，市无废办将核实处理', icon: 'none' }))
              .catch((err) => wx.showToast({ title: api.message(err), icon: 'none' }))
              .then(resolve)
          },
          fail: () => resolve(),
        }),
      )
    },
    tapMarker(e) {
      const c = this.shown[e.detail.markerId]
      if (c) wx.navigateTo({ url: '/pages/cells/verify/index?number=' + encodeURIComponent(c.number) })
    },
    place(items) {
      this.shown = items.filter((c) => typeof c.lat === 'number' && typeof c.lng === 'number' && (c.lat || c.lng))
      const m = markers(items)
      this.setData({ markers: m, center: m.length ? { latitude: m[0].latitude, longitude: m[0].longitude } : ORDOS })
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    loadTypes() {
      return api
        .get('/api/v1/cells/types', null, { auth: false })
        .then((t) => {
          this.typeList = t.items || []
          this.countTypes()
        })
        .catch(() => {}) // the list still works without the type tabs
    },
    countTypes() {
      // counts.by_type lists [{code, name, count}] for the types with units.
      const by = {}
      ;(this.counts || []).forEach((r) => (by[r.code] = r.count))
      this.setData({ types: (this.typeList || []).map((t) => ({ code: t.code, name: t.name, count: by[t.code] || 0 })) })
    },
    load() {
      this.setData({ loading: true, error: '' })
      return api
        .get('/api/v1/cells/certified', { limit: 20, type: this.data.type }, { auth: false })
        .then((p) => {
          if (!this.data.type) {
            this.counts = (p.counts && p.counts.by_type) || []
            this.setData({ total: (p.counts && p.counts.total) || 0 })
            this.countTypes()
          }
          const items = p.items.map(view)
          this.setData({ loading: false, items, next: p.next_cursor || '' })
          this.place(items)
        })
        .catch((err) => this.setData({ loading: false, error: api.message(err) }))
    },
    more() {
      return api
        .get('/api/v1/cells/certified', { limit: 20, type: this.data.type, cursor: this.data.next }, { auth: false })
        .then((p) => {
          const items = this.data.items.concat(p.items.map(view))
          this.setData({ items, next: p.next_cursor || '' })
          this.place(items)
        })
        .catch((err) => wx.showToast({ title: api.message(err), icon: 'none' }))
    },
    pickType(e) {
      this.setData({ type: e.currentTarget.dataset.type })
      return this.load()
    },
    open(e) {
      wx.navigateTo({ url: '/pages/cells/verify/index?number=' + encodeURIComponent(e.currentTarget.dataset.number) })
    },
    apply() {
      wx.navigateTo({ url: '/pages/cells/application/index' })
    },
    mine() {
      wx.navigateTo({ url: '/pages/cells/applications/index' })
    },
  },
})

// 反映问题: category with its extra fields, description, up to 9 photos
// (uploaded as they are picked), the location (GPS or map, GCJ-02),
// anonymity and a phone. A failed submit keeps the whole form. Once category
// and location are chosen, open cases of that category nearby are shown, to
// follow instead of filing the same problem again; after filing, those the
// service found are offered again.
const api = require('../../utils/api')
const subscribe = require('../../utils/subscribe')
const rules = require('../../utils/complaint')
const districts = require('../../utils/districts')
const { dateTime } = require('../../utils/format')
const drafts = require('../../utils/drafts')

function emptyForm() {
  return { category: '', description: '', photos: [], lat: null, lng: null, address: '', anonymous: false, phone: '', attributes: {} }
}

Component({
  data: {
    loading: true,
    error: '',
    categories: [],
    category: null,
    attrs: [],
    form: emptyForm(),
    errors: {},
    locating: false,
    locationText: '',
    outside: false,
    submitting: false,
    submitError: '',
    filed: null,
    duplicates: [],
    nearby: [], // open cases of the category near the chosen place, before filing
    nearbyFollowed: false, // one of them is followed: filing is not needed
    maxPhotos: rules.MAX_PHOTOS,
    maxDescription: rules.MAX_DESCRIPTION,
    restored: false,
  },
  methods: {
    onLoad(query) {
      this.preset = (query && query.category) || ''
      this.followed = {} // ids followed from this page
      this.nearbyAsked = ''
      this.load()
      this.locate()
    },
    load() {
      this.setData({ loading: true, error: '' })
      return api
        .get('/api/v1/complaints/categories', null, { auth: false })
        .then((r) => {
          this.setData({ loading: false, categories: r.items || [] })
          if (!this.restore() && this.preset) this.selectCategory(this.preset)
        })
        .catch((err) => this.setData({ loading: false, error: api.message(err) }))
    },
    // restore brings back a report whose submit failed earlier. Photos that
    // were not uploaded are dropped: their temporary files do not survive.
    restore() {
      const kept = drafts.load('report')
      if (!kept || !kept.form) return false
      const form = Object.assign(emptyForm(), kept.form, { photos: (kept.form.photos || []).filter((p) => p.status === 'done') })
      this.setData({ form, restored: true, locationText: kept.locationText || '' })
      this.addressTyped = !!form.address
      const category = this.data.categories.find((c) => c.code === form.category) || null
      this.setData({ category })
      this.refreshAttrs()
      this.checkNearby()
      return true
    },
    discardDraft() {
      drafts.clear('report')
      this.addressTyped = false
      this.setData({ form: emptyForm(), category: null, attrs: [], errors: {}, restored: false, locationText: '' })
      this.locate()
    },
    locate() {
      this.setData({ locating: true })
      wx.getLocation({
        type: 'gcj02',
        success: (loc) => {
          // A restored report keeps its own place.
          if (this.data.restored && typeof this.data.form.lat === 'number') return this.setData({ locating: false })
          this.setLocation(loc.latitude, loc.longitude, '', '当前位置')
        },
        fail: () => this.setData({ locating: false }), // the map picker still works
      })
    },
    setLocation(lat, lng, address, label) {
      const d = districts.locate(lat, lng)
      const data = { locating: false, 'form.lat': lat, 'form.lng': lng, outside: !d, 'errors.location': '' }
      data.locationText = (d ? d.name + ' · ' : '') + (label || lat.toFixed(5) + ', ' + lng.toFixed(5))
      // The map's address fills the field unless the citizen typed one.
      if (address && !this.addressTyped) data['form.address'] = address
      this.setData(data)
      this.checkNearby()
    },
    // checkNearby asks once per category and place whether the problem is
    // already reported nearby. Failures are ignored: the suggestions are an
    // extra, and filing still works. An answer to an older question is
    // dropped.
    checkNearby() {
      const f = this.data.form
      const key = this.data.outside ? '' : rules.nearbyKey(f)
      if (key === this.nearbyAsked) return this.nearbyPending || Promise.resolve()
      this.nearbyAsked = key
      if (!key) {
        this.setData({ nearby: [], nearbyFollowed: false })
        return Promise.resolve()
      }
      this.nearbyPending = api
        .get('/api/v1/complaints/nearby', { category: f.category, lat: f.lat, lng: f.lng })
        .then((r) => {
          if (this.nearbyAsked !== key) return
          const nearby = (r.items || []).map((d) => rules.suggestion(d, dateTime, this.followed))
          this.setData({ nearby, nearbyFollowed: nearby.some((d) => d.followed) })
        })
        .catch(() => {
          if (this.nearbyAsked === key) this.setData({ nearby: [], nearbyFollowed: false })
        })
      return this.nearbyPending
    },
    chooseLocation() {
      const f = this.data.form
      wx.chooseLocation({
        latitude: typeof f.lat === 'number' ? f.lat : undefined,
        longitude: typeof f.lng === 'number' ? f.lng : undefined,
        success: (r) => this.setLocation(r.latitude, r.longitude, r.address || '', r.name || r.address),
        fail: () => {}, // cancelled: keep what was there
      })
    },
    selectCategory(code) {
      const category = this.data.categories.find((c) => c.code === code) || null
      if (!category) return
      // Extra fields belong to one category: switching starts them afresh.
      this.setData({ category, 'form.category': code, 'form.attributes': {}, 'errors.category': '' })
      this.refreshAttrs()
      this.checkNearby()
    },
    pickCategory(e) {
      this.selectCategory(e.currentTarget.dataset.code)
    },
    refreshAttrs() {
      const errors = this.data.errors
      const attrs = rules.fields(this.data.category, this.data.form.attributes).map((a) => Object.assign(a, { error: errors['attributes.' + a.code] || '' }))
      this.setData({ attrs })
    },
    setAttr(code, value) {
      const errors = Object.assign({}, this.data.errors)
      delete errors['attributes.' + code]
      this.setData({ ['form.attributes.' + code]: value, errors })
      this.refreshAttrs()
    },
    pickOption(e) {
      const { code, key } = e.currentTarget.dataset
      const a = this.data.category.attributes.find((x) => x.code === code)
      const cur = this.data.form.attributes[code] || ''
      this.setAttr(code, a.datatype === 'multivaluelist' ? rules.toggle(cur, key) : cur === key ? '' : key)
    },
    inputAttr(e) {
      this.setAttr(e.currentTarget.dataset.code, e.detail.value)
    },
    inputDescription(e) {
      this.setData({ 'form.description': e.detail.value, 'errors.description': '' })
    },
    inputAddress(e) {
      this.addressTyped = e.detail.value !== ''
      this.setData({ 'form.address': e.detail.value })
    },
    inputPhone(e) {
      this.setData({ 'form.phone': e.detail.value, 'errors.contact_phone': '' })
    },
    toggleAnonymous(e) {
      this.setData({ 'form.anonymous': !!e.detail.value })
    },
    addPhotos() {
      const room = rules.MAX_PHOTOS - this.data.form.photos.length
      if (room <= 0) {
        wx.showToast({ title: '最多 ' + rules.MAX_PHOTOS + ' 张照片', icon: 'none' })
        return Promise.resolve()
      }
      return new Promise((resolve) => {
        wx.chooseMedia({
          count: room,
          mediaType: ['image'],
          sourceType: ['album', 'camera'],
          sizeType: ['compressed'],
          success: (r) => {
            const picked = (r.tempFiles || []).slice(0, room).map((f) => ({ path: f.tempFilePath, id: '', status: 'uploading' }))
            const photos = this.data.form.photos.concat(picked)
            this.setData({ 'form.photos': photos, 'errors.photos': '' })
            resolve(Promise.all(picked.map((p) => this.uploadPhoto(p.path))))
          },
          fail: () => resolve(),
        })
      })
    },
    uploadPhoto(path) {
      const set = (patch) => {
        const photos = this.data.form.photos.map((p) => (p.path === path ? Object.assign({}, p, patch) : p))
        this.setData({ 'form.photos': photos })
      }
      set({ status: 'uploading' })
      return api
        .upload(path)
        .then((u) => set({ id: u.id, status: 'done' }))
        .catch((err) => {
          set({ status: 'failed' })
          wx.showToast({ title: api.message(err), icon: 'none' })
        })
    },
    retryPhoto(e) {
      const p = this.data.form.photos[e.currentTarget.dataset.index]
      return p ? this.uploadPhoto(p.path) : Promise.resolve()
    },
    removePhoto(e) {
      const photos = this.data.form.photos.slice()
      photos.splice(e.currentTarget.dataset.index, 1)
      this.setData({ 'form.photos': photos, 'errors.photos': '' })
    },
    previewPhoto(e) {
      const photos = this.data.form.photos.map((p) => p.path)
      wx.previewImage({ urls: photos, current: photos[e.currentTarget.dataset.index] })
    },
    submit() {
      if (this.data.submitting) return Promise.resolve()
      const form = this.data.form
      const errors = rules.check(form, this.data.category)
      if (this.data.outside && !errors.location) errors.location = '该位置不在鄂尔多斯市范围内，请重新选择'
      this.setData({ errors, submitError: '' })
      this.refreshAttrs()
      if (Object.keys(errors).length) {
        wx.showToast({ title: '请完善标红的内容', icon: 'none' })
        return Promise.resolve()
      }
      // Straight from the tap: WeChat shows the permission dialog only inside a user gesture.
      const subscribed = subscribe.ask('complaint')
      this.setData({ submitting: true })
      return subscribed
        .then(() => api.post('/api/v1/complaints', rules.body(form, this.data.category)))
        .then((c) => {
          drafts.clear('report')
          this.setData({
            restored: false,
            submitting: false,
            filed: c,
            nearby: [],
            nearbyFollowed: false,
            duplicates: (c.duplicates || []).map((d) => rules.suggestion(d, dateTime, this.followed)),
          })
        })
        .catch((err) => {
          // Keep the form as it is; show why, beside the field when the service says which.
          const fields = api.fieldErrors(err)
          const errs = {}
          Object.keys(fields).forEach((f) => {
            const key = f === 'lat' || f === 'lng' ? 'location' : f.indexOf('photos') === 0 ? 'photos' : f
            errs[key] = fields[f]
          })
          if (err.status === 422 && !Object.keys(errs).length && /位置|范围/.test(err.message)) errs.location = err.message
          drafts.save('report', { form, locationText: this.data.locationText })
          this.setData({ submitting: false, submitError: api.message(err), errors: errs })
          this.refreshAttrs()
        })
    },
    // follow follows a case nearby, offered before filing (nearby) or after
    // (duplicates): the citizen hears of its progress as its reporter does.
    follow(e) {
      const id = e.currentTarget.dataset.id
      const mark = (list) => list.map((d) => (d.id === id ? Object.assign({}, d, { followed: true }) : d))
      // Asked here, inside the tap, for the progress notices of the case followed.
      const subscribed = subscribe.ask('complaint')
      return subscribed
        .then(() => api.post('/api/v1/complaints/' + encodeURIComponent(id) + '/follow'))
        .then(() => {
          this.followed[id] = true
          const nearby = mark(this.data.nearby)
          this.setData({ duplicates: mark(this.data.duplicates), nearby, nearbyFollowed: nearby.some((d) => d.followed) })
          wx.showToast({ title: '已关注，有进展会通知您', icon: 'none' })
        })
        .catch((err) => wx.showToast({ title: api.message(err), icon: 'none' }))
    },
    // mine opens 我的举报, where followed cases are listed with the citizen's own.
    mine() {
      drafts.clear('report')
      wx.redirectTo({ url: '/pages/complaint/mine' })
    },
    openFiled() {
      wx.redirectTo({ url: '/pages/complaint/detail?id=' + this.data.filed.id })
    },
    again() {
      this.addressTyped = false
      this.nearbyAsked = ''
      this.setData({ filed: null, duplicates: [], nearby: [], nearbyFollowed: false, form: emptyForm(), category: null, attrs: [], errors: {}, locationText: '', outside: false })
      this.locate()
    },
  },
})

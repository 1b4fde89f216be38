// 无废细胞申报: register the unit (credit code checked as typed), fill the
// type's rubric as a self-assessment with evidence per item, save a draft,
// submit, follow the reviews, revise when returned, and reach the
// certificate. Opened with ?id= for an existing application (also from
// notifications), bare for a new one, ?renews=<number> to renew.
const api = require('../../../utils/api')
const rules = require('../../../utils/cell')
const credit = require('../../../utils/creditcode')
const districts = require('../../../utils/districts')
const subscribe = require('../../../utils/subscribe')
const { dateTime, date } = require('../../../utils/format')

const COLORS = { draft: '#9e9e9e', submitted: '#1e88e5', district_passed: '#1e88e5', returned: '#fb8c00', publicity: '#8e24aa', certified: '#2e7d32', rejected: '#e53935', withdrawn: '#9e9e9e', revoked: '#e53935', expired: '#9e9e9e' }

function emptyUnit() {
  return { name: '', credit_code: '', type: '', address: '', lat: null, lng: null, contact_name: '', contact_phone: '' }
}

Component({
  data: {
    loading: true,
    error: '',
    id: '',
    app: null,
    statusText: '',
    statusColor: '',
    returnComment: '',
    publicity: '',
    canEdit: true,
    canWithdraw: false,
    defaultsNote: '',
    types: [],
    typeNames: [],
    typeIndex: -1,
    unit: emptyUnit(),
    locationText: '',
    creditOk: false,
    rows: [],
    total: 0,
    passMark: 0,
    errors: {},
    timeline: [],
    saving: false,
    submitError: '',
  },
  methods: {
    onLoad(query) {
      this.assessment = {}
      this.renews = (query && query.renews) || ''
      this.setData({ id: (query && query.id) || '' })
      this.load()
    },
    load() {
      this.setData({ loading: true, error: '' })
      const app = this.data.id ? api.get('/api/v1/cells/applications/' + encodeURIComponent(this.data.id)) : Promise.resolve(null)
      return Promise.all([api.get('/api/v1/cells/types', null, { auth: false }), app])
        .then(([types, a]) => {
          this.setData({
            loading: false,
            types: types.items || [],
            typeNames: (types.items || []).map((t) => t.name),
            defaultsNote: types.defaults ? types.note || '评分细则为默认值' : '',
          })
          if (a) this.show(a)
          else this.locate()
          this.refresh()
        })
        .catch((err) => this.setData({ loading: false, error: api.message(err) }))
    },
    show(a) {
      this.assessment = {}
      Object.keys(a.self_assessment || {}).forEach((code) => {
        const s = a.self_assessment[code] || {}
        this.assessment[code] = { score: s.score === undefined || s.score === null ? '' : String(s.score), evidence: (s.evidence || []).map((id) => ({ id, status: 'done', name: '' })) }
      })
      const review = a.status === 'returned' ? [a.city_review, a.district_review].find((r) => r && r.decision === 'return') : null
      const u = a.unit || {}
      this.setData({
        id: a.id,
        app: a,
        statusText: rules.STATUS[a.status] || a.status,
        statusColor: COLORS[a.status] || '#9e9e9e',
        returnComment: review ? review.comment : '',
        publicity: a.publicity_start ? date(a.publicity_start) + ' 至 ' + date(a.publicity_end) : '',
        canEdit: rules.editable(a.status),
        canWithdraw: ['submitted', 'district_passed', 'returned'].indexOf(a.status) >= 0,
        unit: Object.assign(emptyUnit(), u),
        locationText: u.district_name ? u.district_name + (u.address ? ' · ' + u.address : '') : '',
        creditOk: !credit.validate(u.credit_code || ''),
        timeline: (a.history || [])
          .slice()
          .reverse()
          .map((h, i) => ({ key: i, title: rules.ACTIONS[h.action] || rules.STATUS[h.to] || h.action, status: rules.STATUS[h.to] || '', who: (h.by && h.by.name) || '', comment: h.comment || '', when: dateTime(h.at) })),
      })
    },
    refresh() {
      const type = this.data.types.find((t) => t.code === this.data.unit.type) || null
      this.setData({
        typeIndex: this.data.types.findIndex((t) => t.code === this.data.unit.type),
        rows: rules.rows(type, this.assessment, this.data.errors),
        total: rules.total(this.assessment),
        passMark: type ? type.pass_mark : 0,
      })
    },
    clearError(key) {
      if (!this.data.errors[key]) return
      const errors = Object.assign({}, this.data.errors)
      delete errors[key]
      this.setData({ errors })
    },
    locate() {
      wx.getLocation({ type: 'gcj02', success: (l) => this.setLocation(l.latitude, l.longitude, ''), fail: () => {} })
    },
    setLocation(lat, lng, address) {
      const d = districts.locate(lat, lng)
      const data = { 'unit.lat': lat, 'unit.lng': lng, locationText: d ? d.name + (address ? ' · ' + address : '') : '该位置不在鄂尔多斯市范围内' }
      if (address && !this.data.unit.address) data['unit.address'] = address
      this.setData(data)
      this.clearError('unit.lat')
    },
    chooseLocation() {
      if (!this.data.canEdit) return
      wx.chooseLocation({ success: (r) => this.setLocation(r.latitude, r.longitude, r.address || r.name || ''), fail: () => {} })
    },
    inputUnit(e) {
      const f = e.currentTarget.dataset.f
      this.setData({ ['unit.' + f]: e.detail.value })
      this.clearError('unit.' + f)
    },
    inputCredit(e) {
      const code = credit.normalize(e.detail.value)
      this.setData({ 'unit.credit_code': code, creditOk: code.length === 18 && !credit.validate(code) })
      this.clearError('unit.credit_code')
      if (code.length === 18) this.checkCredit()
    },
    checkCredit() {
      const msg = credit.validate(this.data.unit.credit_code)
      this.setData({ creditOk: !msg, errors: Object.assign({}, this.data.errors, msg ? { 'unit.credit_code': msg } : {}) })
      return msg
    },
    pickType(e) {
      const t = this.data.types[Number(e.detail.value)]
      if (!t) return
      this.setData({ 'unit.type': t.code })
      this.clearError('unit.type')
      this.refresh()
    },
    item(code) {
      if (!this.assessment[code]) this.assessment[code] = { score: '', evidence: [] }
      return this.assessment[code]
    },
    inputScore(e) {
      const code = e.currentTarget.dataset.code
      this.item(code).score = e.detail.value
      this.dropItemErrors(code)
      this.refresh()
    },
    dropItemErrors(code) {
      const prefix = 'self_assessment.' + code
      const errors = Object.assign({}, this.data.errors)
      Object.keys(errors).forEach((k) => {
        if (k === prefix || k.indexOf(prefix + '.') === 0) delete errors[k]
      })
      this.setData({ errors })
    },
    // addEvidence: photo items take images; document items images or PDFs
    // (a PDF comes from a chat, the only place a phone keeps files for WeChat).
    addEvidence(e) {
      const { code, kind } = e.currentTarget.dataset
      const room = 9 - this.item(code).evidence.length
      const take = (files) => {
        const added = files.slice(0, room).map((f, i) => ({ id: 'local-' + Date.now() + '-' + i, path: f.path, name: f.name || '', status: 'uploading' }))
        this.item(code).evidence = this.item(code).evidence.concat(added)
        this.dropItemErrors(code)
        this.refresh()
        return Promise.all(added.map((ev) => this.upload(code, ev)))
      }
      return new Promise((resolve) => {
        const pickImages = () =>
          wx.chooseMedia({
            count: room,
            mediaType: ['image'],
            sizeType: ['compressed'],
            success: (r) => resolve(take((r.tempFiles || []).map((f) => ({ path: f.tempFilePath })))),
            fail: () => resolve(),
          })
        if (kind !== 'document') return pickImages()
        wx.showActionSheet({
          itemList: ['拍照或从相册选择', '从聊天记录选择 PDF'],
          success: (r) => {
            if (r.tapIndex === 0) return pickImages()
            wx.chooseMessageFile({
              count: room,
              type: 'file',
              extension: ['pdf'],
              success: (m) => resolve(take((m.tempFiles || []).map((f) => ({ path: f.path, name: f.name })))),
              fail: () => resolve(),
            })
          },
          fail: () => resolve(),
        })
      })
    },
    upload(code, ev) {
      return api
        .upload(ev.path)
        .then((u) => {
          ev.id = u.id
          ev.status = 'done'
        })
        .catch((err) => {
          ev.status = 'failed'
          wx.showToast({ title: api.message(err), icon: 'none' })
        })
        .then(() => this.refresh())
    },
    removeEvidence(e) {
      const { code, index } = e.currentTarget.dataset
      this.item(code).evidence.splice(index, 1)
      this.refresh()
    },
    // persist creates the draft or saves the changes; the answer replaces what is shown.
    persist() {
      const creditError = this.data.app ? '' : credit.validate(this.data.unit.credit_code)
      const type = this.data.types.find((t) => t.code === this.data.unit.type) || null
      const errors = rules.check(this.data.unit, type, this.assessment, creditError)
      if (Object.values(this.assessment).some((a) => a.evidence.some((ev) => ev.status === 'uploading'))) errors._uploading = '材料还在上传，请稍候'
      if (Object.keys(errors).length) {
        this.setData({ errors, submitError: errors._uploading || '请完善标红的内容' })
        this.refresh()
        return Promise.reject(null)
      }
      const b = rules.body(this.data.unit, this.assessment)
      if (this.data.app) {
        // The credit code of an application never changes.
        b.unit.credit_code = this.data.app.unit.credit_code
        return api.patch('/api/v1/cells/applications/' + encodeURIComponent(this.data.id), b)
      }
      if (this.renews) b.renews = this.renews
      return api.post('/api/v1/cells/applications', b)
    },
    fail(err) {
      if (!err) return // already shown
      const errors = api.fieldErrors(err)
      this.setData({ saving: false, errors, submitError: api.message(err) })
      this.refresh()
    },
    save() {
      if (this.data.saving) return Promise.resolve()
      this.setData({ saving: true, submitError: '', errors: {} })
      return this.persist()
        .then((a) => {
          this.setData({ saving: false })
          this.show(a)
          this.refresh()
          wx.showToast({ title: '已保存', icon: 'none' })
        })
        .catch((err) => this.fail(err))
        .then(() => this.setData({ saving: false }))
    },
    submit() {
      if (this.data.saving) return Promise.resolve()
      // Straight from the tap, so the review results can be sent as subscribe messages.
      const subscribed = subscribe.ask('cell')
      this.setData({ saving: true, submitError: '', errors: {} })
      return subscribed
        .then(() => this.persist())
        .then((a) => {
          this.show(a)
          return api.post('/api/v1/cells/applications/' + encodeURIComponent(a.id) + '/submit')
        })
        .then((a) => {
          this.show(a)
          this.refresh()
          wx.showToast({ title: '已提交，请等待旗区初审', icon: 'none' })
        })
        .catch((err) => this.fail(err))
        .then(() => this.setData({ saving: false }))
    },
    withdraw() {
      return new Promise((resolve) =>
        wx.showModal({
          title: '撤回申报',
          content: '撤回后本次申报结束，需要时可重新申报。确定撤回吗？',
          success: (r) => {
            if (!r.confirm) return resolve()
            api
              .post('/api/v1/cells/applications/' + encodeURIComponent(this.data.id) + '/withdraw', {})
              .then((a) => {
                this.show(a)
                this.refresh()
              })
              .catch((err) => wx.showToast({ title: api.message(err), icon: 'none' }))
              .then(resolve)
          },
        }),
      )
    },
    openCertificate() {
      wx.navigateTo({ url: '/pages/cells/verify/index?number=' + encodeURIComponent(this.data.app.certificate) })
    },
  },
})

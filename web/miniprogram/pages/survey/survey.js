// 填写问卷: renders every question type, shows and hides questions by
// show_if, checks required answers before submitting, and preselects the
// district from the phone's location. A failed submit keeps every answer.
const api = require('../../utils/api')
const rules = require('../../utils/survey')
const districts = require('../../utils/districts')
const drafts = require('../../utils/drafts')

// Answers of the service that mean the citizen cannot answer this survey (now).
const BLOCKING = ['already_responded', 'quota_full', 'survey_not_open', 'survey_not_found']

Component({
  data: {
    loading: true,
    error: '',
    id: '',
    survey: null,
    qs: [],
    progress: { done: 0, total: 0, percent: 0 },
    askDistrict: false,
    districtNames: districts.list.map((d) => d.name),
    districtIndex: -1,
    districtFromLocation: false,
    errors: {},
    blocked: '',
    submitError: '',
    submitting: false,
    done: false,
    restored: false,
  },
  methods: {
    onLoad(query) {
      this.answers = {}
      this.qErrors = {}
      this.district = ''
      this.startToken = ''
      this.setData({ id: (query && query.id) || '' })
      this.load()
    },
    load() {
      this.setData({ loading: true, error: '' })
      return api
        .get('/api/v1/surveys/' + encodeURIComponent(this.data.id))
        .then((s) => {
          this.questions = s.questions || []
          this.districtQ = rules.districtQuestion(this.questions)
          this.setData({ loading: false, survey: { title: s.title, description: s.description }, askDistrict: !this.districtQ })
          // Answers of a submit that failed earlier come back.
          const kept = drafts.load('survey:' + this.data.id)
          if (kept) {
            this.answers = kept.answers || {}
            this.district = kept.district || ''
            this.setData({ restored: true })
          }
          this.refresh()
          this.locate()
          return this.start()
        })
        .catch((err) => this.setData({ loading: false, error: api.message(err) }))
    },
    // start asks the service for the start token that times the answering;
    // a survey the citizen may not answer says why here, before any typing.
    start() {
      return api
        .post('/api/v1/surveys/' + encodeURIComponent(this.data.id) + '/start')
        .then((r) => {
          this.startToken = r.start_token
        })
        .catch((err) => {
          if (BLOCKING.indexOf(err.code) >= 0) this.setData({ blocked: api.message(err) })
          // other failures (network) are retried on submit
        })
    },
    locate() {
      wx.getLocation({
        type: 'gcj02',
        success: (loc) => {
          const d = districts.locate(loc.latitude, loc.longitude)
          if (!d) return
          if (this.districtQ) {
            if (this.answers[this.districtQ.id]) return
            this.answers[this.districtQ.id] = d.adcode
          } else if (this.district) {
            return
          }
          this.district = d.adcode
          this.setData({ districtFromLocation: true })
          this.refresh()
        },
        fail: () => {}, // the citizen picks the district by hand
      })
    },
    refresh() {
      const answers = this.answers
      const shown = rules.visibleIds(this.questions, answers)
      let no = 0
      const qs = this.questions
        .filter((q) => shown[q.id])
        .map((q) => {
          no++
          const a = answers[q.id]
          const picked = Array.isArray(a) ? a.map(String) : a === undefined ? [] : [String(a)]
          const v = {
            id: q.id,
            no,
            type: q.type,
            title: q.title,
            required: !!q.required,
            error: this.qErrors[q.id] || '',
            choices: rules.choices(q, districts.list).map((c) => ({ value: c.value, label: c.label, checked: picked.indexOf(String(c.value)) >= 0 })),
          }
          if (q.type === 'text') {
            v.max = q.max_length || 500
            v.value = a || ''
            v.length = (a || '').length
          }
          if (q.type === 'district') v.pickIndex = districts.list.findIndex((d) => d.adcode === a)
          return v
        })
      const district = this.districtQ ? answers[this.districtQ.id] || '' : this.district
      this.setData({
        qs,
        progress: rules.progress(this.questions, answers),
        districtIndex: districts.list.findIndex((d) => d.adcode === district),
      })
    },
    answer(id, value) {
      this.answers[id] = value
      delete this.qErrors[id]
      this.setData({ submitError: '' })
      this.refresh()
    },
    choose(e) {
      if (this.data.blocked) return
      const { id, value } = e.currentTarget.dataset
      const q = this.questions.find((x) => x.id === id)
      if (!q) return
      const c = rules.choices(q, districts.list).find((x) => String(x.value) === String(value))
      if (!c) return
      if (q.type === 'multiple') {
        const cur = (this.answers[id] || []).slice()
        const i = cur.indexOf(c.value)
        if (i >= 0) cur.splice(i, 1)
        else cur.push(c.value)
        this.answer(id, cur)
      } else {
        this.answer(id, c.value)
      }
    },
    input(e) {
      this.answer(e.currentTarget.dataset.id, e.detail.value)
    },
    pickDistrict(e) {
      const d = districts.list[Number(e.detail.value)]
      if (!d) return
      this.district = d.adcode
      this.setData({ districtFromLocation: false, 'errors.district': '' })
      this.refresh()
    },
    pickDistrictQuestion(e) {
      const d = districts.list[Number(e.detail.value)]
      if (!d) return
      this.setData({ districtFromLocation: false })
      this.answer(e.currentTarget.dataset.id, d.adcode)
    },
    submit() {
      if (this.data.submitting || this.data.blocked) return Promise.resolve()
      this.qErrors = rules.missing(this.questions, this.answers)
      const district = this.districtQ ? this.answers[this.districtQ.id] || '' : this.district
      const errors = {}
      if (!district && !this.districtQ) errors.district = '请选择所在旗区'
      this.setData({ errors, submitError: '' })
      this.refresh()
      if (Object.keys(this.qErrors).length || errors.district) {
        wx.showToast({ title: '还有必答题未完成', icon: 'none' })
        const first = this.data.qs.find((q) => q.error)
        if (first && wx.pageScrollTo) wx.pageScrollTo({ selector: '#q-' + first.id, duration: 200 })
        return Promise.resolve()
      }
      this.setData({ submitting: true })
      const body = { answers: rules.payload(this.questions, this.answers), district, start_token: '' }
      return (this.startToken ? Promise.resolve() : this.start())
        .then(() => {
          if (this.data.blocked) throw null // start said why; already shown
          body.start_token = this.startToken
          return api.post('/api/v1/surveys/' + encodeURIComponent(this.data.id) + '/responses', body)
        })
        .then(() => {
          drafts.clear('survey:' + this.data.id)
          this.setData({ submitting: false, done: true })
        })
        .catch((err) => {
          const data = { submitting: false }
          if (err) {
            if (BLOCKING.indexOf(err.code) >= 0) drafts.clear('survey:' + this.data.id)
            else drafts.save('survey:' + this.data.id, { answers: this.answers, district: this.district })
            if (BLOCKING.indexOf(err.code) >= 0) data.blocked = api.message(err)
            else data.submitError = api.message(err)
            const fields = api.fieldErrors(err)
            Object.keys(fields).forEach((f) => {
              if (f.indexOf('answers.') === 0) this.qErrors[f.slice(8)] = fields[f]
              if (f === 'district') data['errors.district'] = fields[f]
            })
          }
          this.setData(data)
          this.refresh()
        })
    },
    back() {
      wx.navigateBack()
    },
  },
})

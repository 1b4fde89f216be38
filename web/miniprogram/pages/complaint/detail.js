// 办理进度: one report with its deadline, photos, result, the timeline of
// everything done with it, and the rating that closes it or sends it back.
const api = require('../../utils/api')
const rules = require('../../utils/complaint')
const { dateTime } = require('../../utils/format')

const RATING_TEXT = ['', '非常不满意', '不满意', '一般', '满意', '非常满意']

function deadlineOf(c) {
  const late = (c.overdue || []).length > 0
  if (c.status === 'submitted' && c.accept_due) return { text: '应于 ' + dateTime(c.accept_due) + ' 前受理' + (late ? '（已超期）' : ''), late }
  if (['accepted', 'assigned', 'in_progress'].indexOf(c.status) >= 0 && c.resolve_due) {
    let text = '应于 ' + dateTime(c.resolve_due) + ' 前办结'
    if (c.extension && c.extension.state === 'approved') text += '（已延期 ' + c.extension.days + ' 个工作日）'
    if (late) text += '（已超期）'
    return { text, late }
  }
  return { text: '', late: false }
}

Component({
  data: {
    loading: true,
    error: '',
    id: '',
    c: null,
    submitted: '',
    deadline: '',
    overdue: false,
    photos: [],
    resultPhotos: [],
    timeline: [],
    feedback: [],
    canRate: false,
    rating: 0,
    ratingText: '',
    comment: '',
    reopen: false,
    rateError: '',
    rating_sending: false,
  },
  methods: {
    onLoad(query) {
      this.setData({ id: (query && query.id) || '' })
      this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    load() {
      this.setData({ loading: true, error: '' })
      return api
        .get('/api/v1/complaints/' + encodeURIComponent(this.data.id))
        .then((c) => this.show(c))
        .catch((err) => this.setData({ loading: false, error: api.message(err) }))
    },
    show(c) {
      const d = deadlineOf(c)
      this.setData({
        loading: false,
        c,
        submitted: dateTime(c.submitted_at),
        deadline: d.text,
        overdue: d.late,
        timeline: rules.timeline(c.history, dateTime),
        feedback: (c.feedback || []).map((f) => ({ stars: '★'.repeat(f.rating), comment: f.comment, reopen: f.reopen, when: dateTime(f.at) })),
        canRate: c.status === 'resolved' && c.view === 'full',
        photos: [],
        resultPhotos: [],
      })
      // Photos need the session token, which an <image src> cannot carry.
      return Promise.all([this.fetchPhotos(c.photos, 'photos'), this.fetchPhotos(c.result_photos, 'resultPhotos')])
    },
    fetchPhotos(ids, key) {
      return Promise.all((ids || []).map((id) => api.download('/api/v1/uploads/' + encodeURIComponent(id)).catch(() => '')))
        .then((paths) => this.setData({ [key]: paths.filter(Boolean) }))
    },
    preview(e) {
      const list = this.data[e.currentTarget.dataset.list]
      wx.previewImage({ urls: list, current: list[e.currentTarget.dataset.index] })
    },
    rate(e) {
      const n = Number(e.currentTarget.dataset.n)
      this.setData({ rating: n, ratingText: RATING_TEXT[n], reopen: n <= 3 ? this.data.reopen : false, rateError: '' })
    },
    inputComment(e) {
      this.setData({ comment: e.detail.value })
    },
    toggleReopen(e) {
      this.setData({ reopen: !!e.detail.value })
    },
    sendFeedback() {
      if (this.data.rating_sending) return Promise.resolve()
      if (!this.data.rating) {
        this.setData({ rateError: '请先选择评分' })
        return Promise.resolve()
      }
      this.setData({ rating_sending: true, rateError: '' })
      const body = { rating: this.data.rating, comment: this.data.comment.trim(), reopen: this.data.reopen }
      return api
        .post('/api/v1/complaints/' + encodeURIComponent(this.data.id) + '/feedback', body)
        .then((c) => {
          this.setData({ rating_sending: false, rating: 0, ratingText: '', comment: '', reopen: false })
          wx.showToast({ title: body.reopen ? '已要求重新办理' : '感谢您的评价', icon: 'none' })
          return this.show(c)
        })
        .catch((err) => this.setData({ rating_sending: false, rateError: api.message(err) }))
    },
  },
})

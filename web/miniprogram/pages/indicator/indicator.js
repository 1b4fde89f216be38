// 指标详情: one indicator with its measurement history, newest first.
const api = require('../../utils/api')
const { indicatorView, number, dateTime, INDICATOR_STATUS } = require('../../utils/format')

const { figures } = require('../../utils/figures')

const SOURCES = { manual: '部门填报', computed: '系统自动计算', evaluator: '第三方测评' }

Component({
  data: { loading: true, error: '', code: '', ind: null, departments: '', history: [], figures: [] },
  methods: {
    onLoad(query) {
      this.setData({ code: (query && query.code) || '' })
      this.load()
    },
    load() {
      this.setData({ loading: true, error: '' })
      return api
        .get('/api/v1/indicators/' + encodeURIComponent(this.data.code), null, { auth: false })
        .then((i) => {
          const history = (i.measurements || [])
            .slice()
            .reverse()
            .map((m) => ({
              id: m.id,
              period: m.period,
              valueText: m.value === null || m.value === undefined ? INDICATOR_STATUS[m.assessment] || '—' : number(m.value) + (i.unit && i.unit !== '-' ? i.unit : ''),
              sourceText: SOURCES[m.source] || m.source,
              when: dateTime(m.recorded_at),
              note: m.note || '',
              superseded_by: m.superseded_by || '',
            }))
          this.setData({ loading: false, ind: indicatorView(i), departments: (i.departments || []).join('、'), history, figures: figures(i.live_figures) })
          wx.setNavigationBarTitle && wx.setNavigationBarTitle({ title: '指标 ' + i.no })
        })
        .catch((err) => this.setData({ loading: false, error: api.message(err) }))
    },
  },
})

// 首页: programme progress at a glance (status counts drawn as a chart, the
// indicators this service feeds live), open surveys, and shortcuts.
const api = require('../../utils/api')
const { indicatorView } = require('../../utils/format')
const { figures } = require('../../utils/figures')

const SHORTCUTS = [
  { key: 'report', title: '反映问题', icon: '报', color: '#e53935', url: '/pages/complaint/report' },
  { key: 'cells', title: '无废细胞', icon: '胞', color: '#8e24aa', url: '/pages/cells/index/index' },
  { key: 'surveys', title: '问卷调查', icon: '卷', color: '#1e88e5', url: '/pages/surveys/surveys' },
  { key: 'indicators', title: '指标进展', icon: '标', color: '#2e7d32', url: '/pages/indicators/indicators', tab: true },
]

Component({
  data: {
    loading: true,
    error: '',
    groups: [],
    chartHeight: 200,
    indicatorTotal: 0,
    achieved: 0,
    taskTotal: 0,
    tasksCompleted: 0,
    live: [],
    surveys: [],
    shortcuts: SHORTCUTS,
  },
  methods: {
    onLoad() {
      this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    load() {
      this.setData({ loading: true, error: '' })
      // Open surveys are a bonus on this page: their failure must not hide the progress.
      const surveys = api.get('/api/v1/surveys', { limit: 5 }).catch(() => ({ items: [] }))
      return Promise.all([api.get('/api/v1/registry/summary', null, { auth: false }), api.get('/api/v1/indicators', { limit: 100 }, { auth: false }), surveys])
        .then(([summary, indicators, open]) => {
          const groups = summary.indicators.by_group || []
          this.setData({
            loading: false,
            groups,
            chartHeight: 40 * groups.length + 40,
            indicatorTotal: summary.indicators.total,
            achieved: summary.indicators.counts.achieved || 0,
            taskTotal: summary.tasks.total,
            tasksCompleted: summary.tasks.counts.completed || 0,
            live: indicators.items
              .filter((i) => i.live)
              // The participation figures are the value of indicator 51; other
              // indicators' details wait on their own page.
              .map((i) => Object.assign(indicatorView(i), { figures: i.live.kind === 'figures' ? figures(i.live_figures) : [] })),
            surveys: open.items || [],
          })
        })
        .catch((err) => this.setData({ loading: false, error: api.message(err) }))
    },
    go(e) {
      const { url, tab } = e.currentTarget.dataset
      if (tab) wx.switchTab({ url })
      else wx.navigateTo({ url })
    },
    openIndicator(e) {
      wx.navigateTo({ url: '/pages/indicator/indicator?code=' + e.currentTarget.dataset.code })
    },
    openSurvey(e) {
      wx.navigateTo({ url: '/pages/survey/survey?id=' + e.currentTarget.dataset.id })
    },
  },
})

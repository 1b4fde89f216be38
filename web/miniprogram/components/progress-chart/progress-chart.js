// Indicator status per group as stacked bars on a 2D canvas. The drawing
// itself is utils/chart.js; this component finds the canvas node, scales it
// for the screen's pixel ratio and redraws when the groups change.
const chart = require('../../utils/chart')
const { INDICATOR_STATUS, STATUS_ORDER } = require('../../utils/format')

Component({
  properties: {
    groups: { type: Array, value: [] },
    height: { type: Number, value: 200 },
  },
  data: { summaryText: '' },
  observers: {
    groups(groups) {
      this.setData({ summaryText: describe(groups) })
      this.redraw()
    },
  },
  lifetimes: {
    ready() {
      this.redraw()
    },
  },
  methods: {
    redraw() {
      const groups = this.data.groups
      if (!groups || !groups.length) return
      this.createSelectorQuery()
        .select('#chart')
        .fields({ node: true, size: true })
        .exec((res) => {
          const r = res && res[0]
          if (!r || !r.node) return // not laid out yet; ready() draws again
          const canvas = r.node
          const dpr = (wx.getWindowInfo && wx.getWindowInfo().pixelRatio) || 2
          canvas.width = r.width * dpr
          canvas.height = r.height * dpr
          const ctx = canvas.getContext('2d')
          ctx.scale(dpr, dpr)
          this.rows = chart.draw(ctx, groups, r.width, r.height)
        })
    },
  },
})

// describe is the chart in words, for screen readers and tests.
function describe(groups) {
  return (groups || [])
    .map((g) => g.name + '：' + STATUS_ORDER.filter((s) => g.counts && g.counts[s]).map((s) => INDICATOR_STATUS[s] + g.counts[s]).join('，'))
    .join('；')
}

// Drawing for the home page's progress chart, kept apart from the canvas
// node so it can be checked with a recording context: one stacked bar per
// indicator group, a segment per status, and the legend below.
const { STATUS_COLORS, STATUS_ORDER, INDICATOR_STATUS } = require('./format')

/** layout computes the bars for groups [{name, total, counts}] in a width × height box. */
function layout(groups, width, height) {
  const labelW = Math.min(120, Math.floor(width * 0.34))
  const legendH = 28
  const rowH = groups.length ? Math.floor((height - legendH) / groups.length) : 0
  const barH = Math.max(8, Math.min(22, rowH - 10))
  const barW = width - labelW - 36
  return groups.map((g, row) => {
    const y = row * rowH + Math.floor((rowH - barH) / 2)
    let x = labelW
    const segments = []
    STATUS_ORDER.forEach((s) => {
      const n = (g.counts && g.counts[s]) || 0
      if (!n || !g.total) return
      const w = (n / g.total) * barW
      segments.push({ status: s, x, y, w, h: barH, color: STATUS_COLORS[s], n })
      x += w
    })
    return { name: g.name, total: g.total, labelY: y + barH / 2, segments, barEnd: labelW + barW }
  })
}

/** draw paints the chart on a CanvasRenderingContext2D-like ctx. */
function draw(ctx, groups, width, height) {
  ctx.clearRect(0, 0, width, height)
  ctx.textBaseline = 'middle'
  ctx.font = '12px sans-serif'
  const rows = layout(groups, width, height)
  rows.forEach((r) => {
    ctx.fillStyle = '#333333'
    ctx.textAlign = 'left'
    ctx.fillText(r.name.length > 8 ? r.name.slice(0, 8) + '…' : r.name, 0, r.labelY)
    r.segments.forEach((s) => {
      ctx.fillStyle = s.color
      ctx.fillRect(s.x, s.y, s.w, s.h)
    })
    ctx.fillStyle = '#666666'
    ctx.fillText(String(r.total), r.barEnd + 6, r.labelY)
  })
  let x = 0
  const y = height - 10
  STATUS_ORDER.forEach((s) => {
    ctx.fillStyle = STATUS_COLORS[s]
    ctx.fillRect(x, y - 5, 10, 10)
    ctx.fillStyle = '#666666'
    ctx.fillText(INDICATOR_STATUS[s], x + 13, y)
    x += 13 + INDICATOR_STATUS[s].length * 12 + 8
  })
  return rows
}

module.exports = { layout, draw }

// Display helpers: Chinese labels for the API's codes, and times shown in
// Beijing time whatever the phone's time zone.

const INDICATOR_STATUS = {
  achieved: '已达标',
  on_track: '进展顺利',
  at_risk: '存在风险',
  lagging: '进度滞后',
  no_data: '暂无数据',
}

const STATUS_COLORS = {
  achieved: '#2e7d32',
  on_track: '#66bb6a',
  at_risk: '#f9a825',
  lagging: '#e53935',
  no_data: '#bdbdbd',
}

const STATUS_ORDER = ['achieved', 'on_track', 'at_risk', 'lagging', 'no_data']

const TASK_STATUS = { not_started: '未开始', in_progress: '推进中', completed: '已完成' }

function pad(n) {
  return (n < 10 ? '0' : '') + n
}

/** dateTime formats an RFC 3339 time as 2025-07-01 08:30 in Beijing time (UTC+8, no daylight saving). */
function dateTime(s) {
  if (!s) return ''
  const t = Date.parse(s)
  if (isNaN(t)) return ''
  const d = new Date(t + 8 * 3600 * 1000)
  return (
    d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' + pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes())
  )
}

/** date formats an RFC 3339 time (or a plain date) as 2025-07-01 in Beijing time. */
function date(s) {
  if (!s) return ''
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return s
  return dateTime(s).slice(0, 10)
}

/** number shows a value with at most two decimals and no trailing zeros. */
function number(v) {
  if (v === null || v === undefined || v === '') return '—'
  if (typeof v !== 'number') return String(v)
  return String(Math.round(v * 100) / 100)
}

/** indicatorView adds what the pages show to an indicator from the API. */
function indicatorView(i) {
  const latest = i.latest
  return Object.assign({}, i, {
    statusText: INDICATOR_STATUS[i.status] || i.status,
    statusColor: STATUS_COLORS[i.status] || '#bdbdbd',
    valueText: latest ? (latest.value === null || latest.value === undefined ? INDICATOR_STATUS[latest.assessment] || '已评估' : number(latest.value)) : '—',
    periodText: latest ? latest.period : '',
    progressPct: typeof i.progress === 'number' ? Math.round(i.progress) : null,
    unitText: i.unit && i.unit !== '-' ? i.unit : '',
  })
}

module.exports = { INDICATOR_STATUS, STATUS_COLORS, STATUS_ORDER, TASK_STATUS, dateTime, date, number, indicatorView }

// Complaint-handling figures (GET /complaints/stats; admin, department and
// district staff, each over the cases they see in the staff list): counts
// and rates over a date range, by department and by district, and a trend
// by day, week or month. The service computes them all; the console only
// asks and draws. Rates are percentages (0–100, two decimals), null when
// nothing is divided; average_rating is 1–5, null when nobody rated.

export type Granularity = 'day' | 'week' | 'month'

/**
 * The counts and rates of the totals and of each group. Cases filed in the
 * range give submitted, open (still open now) and overdue_open; cases
 * accepted in it give the rest, as indicator 48 counts them.
 */
export interface Figures {
  submitted: number
  open: number
  overdue_open: number
  accepted: number
  closed: number
  /** closed ÷ accepted, percent. */
  completion_rate: number | null
  resolved: number
  on_time: number
  /** on_time ÷ resolved, percent. */
  on_time_rate: number | null
  rated: number
  average_rating: number | null
}

/** The figures of one handler (department or district) as the bars and table use them. */
export type HandlerStats = Pick<Figures, 'open' | 'overdue_open' | 'accepted' | 'closed' | 'completion_rate' | 'on_time_rate'> & Partial<Figures>

export interface ComplaintStats extends Figures {
  from: string
  to: string
  granularity: Granularity
  by_department: (Figures & { code: string; name: string })[]
  by_district: (Figures & { adcode: string; name: string })[]
  trend: { period: string; submitted: number; accepted: number; closed: number; overdue_open: number }[]
}

/** The most trend periods the service answers (internal/complaint.MaxTrendPeriods). */
export const MAX_PERIODS = 400

const DAY = 86400e3

/** The calendar date (YYYY-MM-DD) in Beijing of an instant. */
export function shanghaiDate(t: Date): string {
  return new Date(t.getTime() + 8 * 3600e3).toISOString().slice(0, 10)
}

/** The default range: from the 1st of January of this year (Beijing) to today. */
export function defaultRange(now: Date): [string, string] {
  const today = shanghaiDate(now)
  return [today.slice(0, 4) + '-01-01', today]
}

/** Quick ranges for the date picker, each ending today (Beijing). */
export function rangeShortcuts(now: Date): { text: string; value: [string, string] }[] {
  const today = shanghaiDate(now)
  const back = (days: number) => shanghaiDate(new Date(now.getTime() - days * DAY))
  const year = Number(today.slice(0, 4))
  return [
    { text: '近 7 天', value: [back(6), today] },
    { text: '近 30 天', value: [back(29), today] },
    { text: '本月', value: [today.slice(0, 8) + '01', today] },
    { text: '本年', value: [`${year}-01-01`, today] },
    { text: '上一年', value: [`${year - 1}-01-01`, `${year - 1}-12-31`] },
  ]
}

/** A step that gives a readable number of points: days up to a month, weeks up to a quarter, then months. */
export function defaultGranularity(from: string, to: string): Granularity {
  const days = (Date.parse(to) - Date.parse(from)) / DAY + 1
  if (days <= 31) return 'day'
  if (days <= 92) return 'week'
  return 'month'
}

/** How many trend periods from..to (both YYYY-MM-DD, included) has at step g: days, ISO weeks (Monday first) or calendar months. */
export function periodCount(from: string, to: string, g: Granularity): number {
  const a = Date.parse(from)
  const b = Date.parse(to)
  if (!isFinite(a) || !isFinite(b) || b < a) return 0
  if (g === 'day') return Math.round((b - a) / DAY) + 1
  if (g === 'week') {
    const monday = (t: number) => t - ((new Date(t).getUTCDay() + 6) % 7) * DAY
    return Math.round((monday(b) - monday(a)) / (7 * DAY)) + 1
  }
  const [ya, ma] = from.split('-').map(Number)
  const [yb, mb] = to.split('-').map(Number)
  return (yb - ya) * 12 + (mb - ma) + 1
}

/** Whether the service would answer the range at step g (at most MAX_PERIODS periods). */
export function stepAllowed(range: [string, string], g: Granularity): boolean {
  return periodCount(range[0], range[1], g) <= MAX_PERIODS
}

/** The query of GET /complaints/stats. */
export function statsQuery(range: [string, string], granularity: Granularity): { from: string; to: string; granularity: Granularity } {
  return { from: range[0], to: range[1], granularity }
}

/**
 * A rate (already a percentage) as the service gives it, with at most two
 * decimals (as indicator 48 shows it); — when there is none.
 */
export function rateText(v: number | null | undefined): string {
  return typeof v === 'number' && isFinite(v) ? `${Math.round(v * 100) / 100}%` : '—'
}

/** The average rating (1–5), two decimals; — when nobody rated. */
export function ratingText(v: number | null | undefined): string {
  return typeof v === 'number' && isFinite(v) ? v.toFixed(2) : '—'
}

/** A trend period as the axis shows it: 11-23 for days, 11-23 起 for weeks (their Monday), 2026-11 for months. */
export function periodLabel(period: string, g: Granularity): string {
  if (g === 'month') return period.slice(0, 7)
  const md = period.length >= 10 ? period.slice(5, 10) : period
  return g === 'week' ? `${md} 起` : md
}

const colors = { accepted: '#1677ff', closed: '#2e7d32', overdue: '#d03050', submitted: '#8e24aa' }

/**
 * Bars per handler: accepted, closed (结案) and open-overdue in the range, the
 * rows with the most overdue first; the tooltip adds the rates.
 */
export function handlerBars(rows: (HandlerStats & { name: string })[]) {
  const sorted = [...rows].sort((a, b) => b.overdue_open - a.overdue_open || b.accepted - a.accepted || a.name.localeCompare(b.name))
  return {
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (ps: { dataIndex: number }[]) => {
        const r = sorted[ps[0]?.dataIndex ?? 0]
        if (!r) return ''
        return `${r.name}<br/>受理 ${r.accepted}，结案 ${r.closed}，在办 ${r.open}，超期 ${r.overdue_open}<br/>办结率 ${rateText(r.completion_rate)}，按期办结率 ${rateText(r.on_time_rate)}`
      },
    },
    legend: { top: 0 },
    grid: { left: 136, right: 20, top: 28, bottom: 20 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: sorted.map((r) => r.name), axisLabel: { width: 124, overflow: 'truncate' } },
    series: [
      { name: '受理', type: 'bar', data: sorted.map((r) => r.accepted), itemStyle: { color: colors.accepted } },
      { name: '结案', type: 'bar', data: sorted.map((r) => r.closed), itemStyle: { color: colors.closed } },
      { name: '在办超期', type: 'bar', data: sorted.map((r) => r.overdue_open), itemStyle: { color: colors.overdue } },
    ],
  }
}

/** The height a handler chart needs for n rows. */
export function barsHeight(n: number): string {
  return `${Math.max(160, n * 34 + 50)}px`
}

/** Lines per period of cases submitted, accepted and closed, and of overdue open cases (as the service counts them). */
export function trendLines(trend: ComplaintStats['trend'], g: Granularity) {
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 40, right: 20, top: 30, bottom: 30 },
    xAxis: { type: 'category', data: trend.map((t) => periodLabel(t.period, g)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: '提交', type: 'line', data: trend.map((t) => t.submitted), itemStyle: { color: colors.submitted } },
      { name: '受理', type: 'line', data: trend.map((t) => t.accepted), itemStyle: { color: colors.accepted } },
      { name: '结案', type: 'line', data: trend.map((t) => t.closed), itemStyle: { color: colors.closed } },
      { name: '在办超期', type: 'line', data: trend.map((t) => t.overdue_open), itemStyle: { color: colors.overdue }, lineStyle: { type: 'dashed' } },
    ],
  }
}

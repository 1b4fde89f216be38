// Labels, colours and formats shared by the pages.
import type { Indicator, Status, TaskStatus } from './types'

export const statusLabels: Record<Status, string> = {
  achieved: '已达标',
  on_track: '进展顺利',
  at_risk: '存在风险',
  lagging: '滞后',
  no_data: '暂无数据',
}

/** Status colours: green, blue, orange, red, grey. */
export const statusColors: Record<Status, string> = {
  achieved: '#2e7d32',
  on_track: '#1677ff',
  at_risk: '#f0a020',
  lagging: '#d03050',
  no_data: '#a0a4ab',
}

export const statusOrder: Status[] = ['achieved', 'on_track', 'at_risk', 'lagging', 'no_data']

export const taskStatusLabels: Record<TaskStatus, string> = {
  not_started: '未开始',
  in_progress: '推进中',
  completed: '已完成',
}

export const taskStatusColors: Record<TaskStatus | 'overdue', string> = {
  completed: '#2e7d32',
  in_progress: '#1677ff',
  not_started: '#a0a4ab',
  overdue: '#d03050',
}

export const sourceLabels: Record<string, string> = {
  manual: '填报',
  computed: '系统计算',
  evaluator: '第三方测评',
}

/** The five indicators fed live by this service, in the dashboard's order. */
export const liveCodes = ['I52', 'I50', 'I41', 'I48', 'I51']

const dateTime = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
})

/** An RFC 3339 time in Beijing time, e.g. 2026/11/28 08:05. */
export function formatTime(t: string | undefined | null): string {
  if (!t) return '—'
  const d = new Date(t)
  return isNaN(d.getTime()) ? t : dateTime.format(d)
}

/** A number with up to 2 decimals and its unit ("—" for none). */
export function formatValue(v: number | null | undefined, unit = ''): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—'
  const s = Number.isInteger(v) ? v.toLocaleString('zh-CN') : v.toLocaleString('zh-CN', { maximumFractionDigits: 2 })
  return unit && unit !== '-' ? `${s} ${unit}` : s
}

/** The latest value of an indicator as shown on cards and tables. */
export function latestText(ind: Indicator): string {
  const m = ind.latest
  if (!m) return '—'
  if (m.value !== null && m.value !== undefined) return formatValue(m.value, ind.unit)
  if (m.assessment) return statusLabels[m.assessment]
  return '—'
}

/** Progress (0–100) rounded for a progress bar; 0 when there is none. */
export function progressPct(p: number | null | undefined): number {
  if (p === null || p === undefined || Number.isNaN(p)) return 0
  return Math.max(0, Math.min(100, Math.round(p)))
}

const figureLabels: Record<string, string> = {
  surveys: '问卷数',
  survey_responses: '答卷数',
  survey_valid_responses: '有效答卷数',
  certified: '已认证细胞',
  in_progress: '审核中申报',
  drafts: '草稿',
  accepted: '受理案件',
  closed: '已结案',
  resolved: '已办结',
  on_time: '按时办结',
  on_time_rate: '按时办结率',
  rated: '已评价',
  average_rating: '平均评分',
  satisfied_rate: '满意率',
  reopened: '重新办理',
  method: '计算方法',
}

/** A Chinese label for a participation figure's key (the key itself when unknown). */
export function figureLabel(key: string): string {
  return figureLabels[key] ?? key
}

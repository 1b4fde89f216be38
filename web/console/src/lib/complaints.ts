// Complaints: shapes, labels and the deadline badge rule.

export interface Handler {
  kind: 'department' | 'district'
  code: string
  name: string
}

export interface ComplaintEvent {
  at: string
  action: string
  from?: string
  to?: string
  by_role?: string
  by_name?: string
  note?: string
  reason?: string
  handler?: Handler
}

export interface Complaint {
  id: string
  tracking_no: string
  category: string
  category_name: string
  description: string
  /** GCJ-02; null when the case is not located (located false). */
  lat: number | null
  lng: number | null
  /**
   * False for a case known only by its district (an Open311 request with
   * an address_string naming a banner or district, no point).
   */
  located: boolean
  address?: string
  district: { adcode: string; name: string }
  photos: string[]
  attributes: Record<string, string>
  anonymous: boolean
  reporter?: { name?: string; phone?: string }
  view: 'full' | 'staff' | 'public'
  status: string
  status_label: string
  handler: Handler | null
  result?: string
  result_photos: string[]
  submitted_at: string
  accepted_at?: string | null
  resolved_at?: string | null
  closed_at?: string | null
  accept_due: string
  resolve_due: string | null
  extension: { days: number; reason: string; state: 'requested' | 'approved' | 'refused'; note?: string } | null
  feedback: { rating: number; comment?: string; at: string }[]
  reopened: number
  warned: string[]
  overdue: string[]
  escalated: boolean
  history: ComplaintEvent[]
}

export interface Category {
  code: string
  name: string
  department: string
  urgent: boolean
  accept_days: number
  resolve_days: number
}

export const complaintStatusNames: Record<string, string> = {
  submitted: '待受理',
  accepted: '待交办',
  rejected: '不予受理',
  assigned: '已交办',
  in_progress: '办理中',
  resolved: '已办结',
  closed: '已结案',
  merged: '已合并',
}

export const eventNames: Record<string, string> = {
  submit: '提交',
  accept: '受理',
  reject: '不予受理',
  assign: '交办',
  transfer: '转办',
  start: '开始办理',
  resolve: '办结',
  extend: '申请延期',
  extension: '审批延期',
  merge: '合并重复件',
  close: '评价满意，结案',
  reopen: '评价不满意，重新办理',
  auto_close: '逾期未评价，自动结案',
  escalate: '超期督办',
  warn: '临期提醒',
  follow: '关注',
}

/** A complaint's point on the map, or null when it has none (not located). */
export function complaintPoint(c: Pick<Complaint, 'located' | 'lat' | 'lng' | 'address' | 'tracking_no'>): { name: string; lng: number; lat: number } | null {
  if (c.located === false || typeof c.lat !== 'number' || typeof c.lng !== 'number' || !isFinite(c.lat) || !isFinite(c.lng)) return null
  return { name: c.address || c.tracking_no, lng: c.lng, lat: c.lat }
}

/** The points of those complaints that have one (cases not located are skipped). */
export function complaintPoints(list: Pick<Complaint, 'located' | 'lat' | 'lng' | 'address' | 'tracking_no'>[]): { name: string; lng: number; lat: number }[] {
  return list.flatMap((c) => complaintPoint(c) ?? [])
}

/** For a case without a point, the note that says so and where it was placed; null for a located case. */
export function unlocatedNote(c: Pick<Complaint, 'located' | 'lat' | 'lng' | 'address' | 'tracking_no' | 'district'>): string | null {
  if (complaintPoint(c)) return null
  return `未定位（按地址归属到 ${c.district?.name || '—'}）`
}

/** The deadline that matters now, and how urgent it is. */
export interface Deadline {
  kind: 'accept' | 'resolve'
  due: Date
  level: 'overdue' | 'soon' | 'ok'
}

const DAY = 86400_000

/**
 * The open deadline of a complaint: accepting while submitted, resolving
 * while accepted, assigned or in progress. Overdue when the service marked
 * it or its time has passed; due soon when the service warned or less than
 * two days remain. Closed, rejected, merged and resolved cases have none.
 */
export function deadlineOf(c: Pick<Complaint, 'status' | 'accept_due' | 'resolve_due' | 'warned' | 'overdue'>, now = new Date()): Deadline | null {
  let kind: 'accept' | 'resolve'
  let dueText: string | null
  if (c.status === 'submitted') {
    kind = 'accept'
    dueText = c.accept_due
  } else if (c.status === 'accepted' || c.status === 'assigned' || c.status === 'in_progress') {
    kind = 'resolve'
    dueText = c.resolve_due
  } else {
    return null
  }
  if (!dueText) return null
  const due = new Date(dueText)
  const left = due.getTime() - now.getTime()
  if ((c.overdue ?? []).includes(kind) || left < 0) return { kind, due, level: 'overdue' }
  if ((c.warned ?? []).includes(kind) || left < 2 * DAY) return { kind, due, level: 'soon' }
  return { kind, due, level: 'ok' }
}

/** Whether the user is the complaint's current handler (or the admin). */
export function isHandler(user: { role: string; departments: string[]; districts: string[] } | null, c: Pick<Complaint, 'handler'>): boolean {
  if (!user) return false
  if (user.role === 'admin') return true
  const h = c.handler
  if (!h) return false
  return (h.kind === 'department' && user.role === 'department' && user.departments.includes(h.code)) ||
    (h.kind === 'district' && user.role === 'district' && user.districts.includes(h.code))
}

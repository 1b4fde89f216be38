// 无废细胞 applications: shapes and labels.

export interface RubricItem {
  code: string
  text: string
  category: string
  max_score: number
  evidence: 'photo' | 'document' | ''
  veto: boolean
}

export interface CellType {
  code: string
  name: string
  pass_mark: number
  validity_years: number
  items: RubricItem[]
}

export interface CellWho {
  user_id?: string
  name?: string
  role?: string
}

export interface CellReview {
  decision: 'pass' | 'return' | 'reject'
  scores: Record<string, number>
  total: number
  veto_failed: string[] | null
  comment: string
  by: CellWho
  at: string
}

export interface Objection {
  id: string
  text: string
  by?: CellWho
  at: string
  status: 'open' | 'dismissed' | 'upheld'
  resolution?: string
  resolved_at?: string
}

export interface Application {
  id: string
  status: string
  type_name: string
  pass_mark: number
  unit: {
    name: string
    credit_code: string
    type: string
    district: string
    district_name: string
    address: string
    lat: number
    lng: number
    contact_name?: string
    contact_phone?: string
  }
  self_assessment: Record<string, { score: number; evidence: string[] }>
  self_total: number
  renews?: string
  district_review: CellReview | null
  city_review: CellReview | null
  publicity_start: string | null
  publicity_end: string | null
  objections: Objection[] | null
  certificate?: string
  /** While submitted or district_passed: when the pending review is due. */
  review_due?: string
  review_overdue?: boolean
  /** When the system recorded the pending review overdue and told its reviewers. */
  review_escalated_at?: string
  history: { action: string; from: string; to: string; comment?: string; by: CellWho; at: string }[]
  created_at: string
  updated_at: string
}

export interface Certificate {
  number: string
  title?: string
  application_id: string
  type: string
  type_name: string
  unit_name: string
  district: string
  district_name: string
  address: string
  lat: number
  lng: number
  issued_at: string
  expires_at: string
  status: 'valid' | 'expired' | 'revoked'
  revoke_reason?: string
}

/**
 * The counts of GET /cells/certified over every valid certificate: keyed by
 * the codes its `type` and `district` filters take, names beside them.
 */
export interface CertifiedCounts {
  total: number
  by_type: { code: string; name: string; count: number }[]
  by_district: { adcode: string; name: string; count: number }[]
}

/** Certificates of the chosen type code ('' = all). */
export function certsOfType<T extends { type: string }>(certs: T[], type: string): T[] {
  return type ? certs.filter((c) => c.type === type) : certs
}

export const cellStatusNames: Record<string, string> = {
  draft: '草稿',
  submitted: '待旗区初审',
  district_passed: '待市级复审',
  returned: '已退回修改',
  publicity: '公示中',
  certified: '已认证',
  rejected: '未通过',
  withdrawn: '已撤回',
  revoked: '已撤销',
  expired: '已过期',
}

export const actionNames: Record<string, string> = {
  create: '创建申报',
  edit: '修改',
  submit: '提交',
  withdraw: '撤回',
  district_pass: '旗区初审通过',
  district_return: '旗区退回',
  district_reject: '旗区驳回',
  city_pass: '市级复审通过，进入公示',
  city_return: '市级退回',
  city_reject: '市级驳回',
  object: '收到异议',
  resolve_objection: '异议不成立，继续公示',
  uphold_objection: '异议成立，申报驳回',
  certify: '认证',
  revoke: '撤销认证',
  expire: '证书到期',
  review_overdue: '审核超期，已提醒审核人',
}

export const decisionNames: Record<string, string> = { pass: '通过', return: '退回修改', reject: '驳回' }

/** Which review, if any, a role performs on an application in this status. */
export function reviewStage(role: string | undefined, status: string): 'district' | 'city' | null {
  if (role === 'district' && status === 'submitted') return 'district'
  if (role === 'admin' && status === 'district_passed') return 'city'
  return null
}

/** The sum of scores and the veto items not at full marks. */
export function scoreTotals(items: RubricItem[], scores: Record<string, number | undefined>): { total: number; missing: string[]; vetoFailed: string[] } {
  let total = 0
  const missing: string[] = []
  const vetoFailed: string[] = []
  for (const it of items) {
    const v = scores[it.code]
    if (v === undefined || v === null || Number.isNaN(v)) {
      missing.push(it.code)
      continue
    }
    total += v
    if (it.veto && v < it.max_score) vetoFailed.push(it.code)
  }
  return { total: Math.round(total * 100) / 100, missing, vetoFailed }
}

/** The objections of an application still waiting for the admin. */
export function openObjections(app: Pick<Application, 'objections'>): number {
  return (app.objections ?? []).filter((o) => o.status === 'open').length
}

/**
 * Whether the admin may certify an application now, and why not: the
 * service certifies only in publicity, once it has ended, with no objection
 * open (null: not in publicity).
 */
export function certifyState(app: Pick<Application, 'status' | 'objections' | 'publicity_end'>, now: Date): { can: boolean; reason: string } | null {
  if (app.status !== 'publicity') return null
  const open = openObjections(app)
  if (open) return { can: false, reason: `有 ${open} 条异议待处理，处理后方可认证` }
  if (app.publicity_end && new Date(app.publicity_end) > now) return { can: false, reason: '公示期未满，期满后方可认证' }
  return { can: true, reason: '公示期已满，无待处理异议' }
}

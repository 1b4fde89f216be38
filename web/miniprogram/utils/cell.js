// 无废细胞 applications on the phone: status words, the rubric as form
// rows with the applicant's scores and evidence, the running total, and
// the request bodies.

const STATUS = {
  draft: '草稿',
  submitted: '待旗区初审',
  district_passed: '待市级复审',
  returned: '退回修改',
  publicity: '公示中',
  certified: '已认定',
  rejected: '未通过',
  withdrawn: '已撤回',
  revoked: '已撤销',
  expired: '已过期',
}

const ACTIONS = {
  create: '创建申报',
  edit: '修改申报',
  submit: '提交申报',
  withdraw: '撤回申报',
  district_pass: '旗区初审通过',
  district_return: '旗区初审退回',
  district_reject: '旗区初审不通过',
  city_pass: '市级复审通过，进入公示',
  city_return: '市级复审退回',
  city_reject: '市级复审不通过',
  object: '收到公示异议',
  resolve_objection: '异议不成立，继续公示',
  uphold_objection: '异议成立',
  certify: '认定为无废细胞',
  revoke: '撤销认定',
  expire: '证书到期',
  review_overdue: '审核超期，已督促审核',
}

const CERT_STATUS = { valid: '有效', expired: '已过期', revoked: '已撤销' }

/** editable says whether the applicant may still change the application. */
function editable(status) {
  return !status || status === 'draft' || status === 'returned'
}

/** rows lays the rubric out as form rows, with the scores, evidence and errors given. */
function rows(type, assessment, errors) {
  return ((type && type.items) || []).map((it) => {
    const a = assessment[it.code] || {}
    const prefix = 'self_assessment.' + it.code
    const err = Object.keys(errors || {})
      .filter((k) => k === prefix || k.indexOf(prefix + '.') === 0)
      .map((k) => errors[k])
      .join('；')
    return {
      code: it.code,
      text: it.text,
      category: it.category,
      max: it.max_score,
      veto: !!it.veto,
      evidenceKind: it.evidence || '',
      evidenceText: it.evidence === 'photo' ? '需上传现场照片' : it.evidence === 'document' ? '需上传证明材料（图片或 PDF）' : '',
      score: a.score === undefined || a.score === null ? '' : String(a.score),
      evidence: (a.evidence || []).map((e) => (typeof e === 'string' ? { id: e, status: 'done', name: '' } : e)),
      error: err,
    }
  })
}

/** total sums the scores given. */
function total(assessment) {
  return Object.keys(assessment).reduce((s, k) => s + (Number(assessment[k] && assessment[k].score) || 0), 0)
}

/** check answers {field: message} for the unit and scores before saving. */
function check(unit, type, assessment, creditError) {
  const errs = {}
  if (!unit.name.trim()) errs['unit.name'] = '请填写单位名称'
  if (creditError) errs['unit.credit_code'] = creditError
  if (!unit.type) errs['unit.type'] = '请选择单位类型'
  if (!unit.address.trim()) errs['unit.address'] = '请填写地址'
  if (typeof unit.lat !== 'number') errs['unit.lat'] = '请选择单位位置'
  if (!unit.contact_name.trim()) errs['unit.contact_name'] = '请填写联系人'
  if (!/^[0-9+\-\s]{5,20}$/.test(unit.contact_phone.trim())) errs['unit.contact_phone'] = '请填写正确的联系电话'
  ;((type && type.items) || []).forEach((it) => {
    const a = assessment[it.code]
    if (!a || a.score === undefined || a.score === '') return
    const s = Number(a.score)
    if (isNaN(s) || s < 0 || s > it.max_score) errs['self_assessment.' + it.code + '.score'] = '分值应在 0–' + it.max_score + ' 之间'
  })
  return errs
}

/** body is the unit and self-assessment as the API takes them. */
function body(unit, assessment) {
  const sa = {}
  Object.keys(assessment).forEach((code) => {
    const a = assessment[code]
    const ev = (a.evidence || []).filter((e) => e.status === 'done').map((e) => e.id)
    const hasScore = a.score !== undefined && a.score !== ''
    if (!hasScore && !ev.length) return
    sa[code] = { evidence: ev }
    if (hasScore) sa[code].score = Number(a.score)
  })
  return {
    unit: {
      name: unit.name.trim(),
      credit_code: unit.credit_code,
      type: unit.type,
      address: unit.address.trim(),
      lat: unit.lat,
      lng: unit.lng,
      contact_name: unit.contact_name.trim(),
      contact_phone: unit.contact_phone.trim(),
    },
    self_assessment: sa,
  }
}

module.exports = { STATUS, ACTIONS, CERT_STATUS, editable, rows, total, check, body }

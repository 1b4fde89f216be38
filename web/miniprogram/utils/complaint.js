// Reporting a problem: the category's extra fields (Open311 attributes) as
// form fields, the checks made before sending, and the case's timeline in
// words. The service checks everything again.

const STATUS = {
  submitted: '待受理',
  accepted: '已受理',
  rejected: '不予受理',
  assigned: '已交办',
  in_progress: '办理中',
  resolved: '已办结待评价',
  closed: '已结案',
  merged: '已合并',
}

const ACTIONS = {
  submit: '提交举报',
  accept: '受理',
  reject: '不予受理',
  assign: '交办',
  transfer: '转办',
  start: '开始办理',
  resolve: '办结',
  extend: '申请延期',
  extension: '延期审批',
  merge: '合并办理',
  close: '结案',
  reopen: '重新办理',
  auto_close: '未评价自动结案',
  follow: '关注',
}

const ROLES = { citizen: '市民', admin: '市无废办', department: '市直部门', district: '旗区', system: '系统', open311: '第三方平台' }

const MAX_PHOTOS = 9
const MAX_DESCRIPTION = 4000

/** fields turns a category's attributes into form fields with their current values. */
function fields(category, values) {
  return ((category && category.attributes) || []).map((a) => {
    const v = values[a.code] || ''
    const f = { code: a.code, type: a.datatype, label: a.description, required: !!a.required, value: v }
    if (a.datatype === 'singlevaluelist' || a.datatype === 'multivaluelist') {
      const picked = a.datatype === 'multivaluelist' ? (v ? v.split(',') : []) : [v]
      f.options = (a.values || []).map((o) => ({ key: o.key, name: o.name, checked: picked.indexOf(o.key) >= 0 }))
    }
    return f
  })
}

/** toggle adds or removes key in a multivaluelist value ("a,b"). */
function toggle(value, key) {
  const keys = value ? value.split(',') : []
  const i = keys.indexOf(key)
  if (i >= 0) keys.splice(i, 1)
  else keys.push(key)
  return keys.join(',')
}

/** check answers {field: message} for what the form still lacks. */
function check(form, category) {
  const errs = {}
  if (!category) errs.category = '请选择问题类别'
  const desc = (form.description || '').trim()
  if (!desc) errs.description = '请描述问题'
  else if (desc.length > MAX_DESCRIPTION) errs.description = '描述不能超过 ' + MAX_DESCRIPTION + ' 字'
  if (typeof form.lat !== 'number' || typeof form.lng !== 'number') errs.location = '请选择问题位置'
  if (form.photos.some((p) => p.status === 'uploading')) errs.photos = '照片还在上传，请稍候'
  else if (form.photos.some((p) => p.status === 'failed')) errs.photos = '有照片上传失败，请重试或删除'
  ;((category && category.attributes) || []).forEach((a) => {
    const v = (form.attributes[a.code] || '').trim()
    if (a.required && !v) errs['attributes.' + a.code] = '请填写' + a.description
    else if (v && a.datatype === 'number' && !/^-?\d+(\.\d+)?$/.test(v)) errs['attributes.' + a.code] = '请填写数字'
  })
  if (form.phone && !/^[0-9+\-\s]{5,20}$/.test(form.phone.trim())) errs.contact_phone = '请填写正确的电话号码'
  return errs
}

/** body is what POST /api/v1/complaints takes. */
function body(form, category) {
  const attributes = {}
  ;((category && category.attributes) || []).forEach((a) => {
    const v = (form.attributes[a.code] || '').trim()
    if (v) attributes[a.code] = v
  })
  const out = {
    category: category.code,
    description: form.description.trim(),
    lat: form.lat,
    lng: form.lng,
    address: (form.address || '').trim(),
    photos: form.photos.filter((p) => p.status === 'done').map((p) => p.id),
    anonymous: !!form.anonymous,
    attributes,
  }
  if (form.phone && form.phone.trim()) out.contact_phone = form.phone.trim()
  return out
}

/**
 * suggestion is an open case nearby (an item of GET /complaints/nearby or of
 * the duplicates a filing answers) as the report page shows it.
 */
function suggestion(d, fmt, followed) {
  return {
    id: d.id,
    description: d.description,
    status_label: d.status_label,
    distance: Math.round(d.distance_m || 0),
    when: fmt(d.submitted_at),
    followed: !!(followed && followed[d.id]),
  }
}

/** nearbyKey names the question GET /complaints/nearby answers for a form, '' when it cannot be asked yet. */
function nearbyKey(form) {
  if (!form.category || typeof form.lat !== 'number' || typeof form.lng !== 'number') return ''
  return form.category + '@' + form.lat.toFixed(6) + ',' + form.lng.toFixed(6)
}

/** timeline answers the case's history, newest first, in words. */
function timeline(history, fmt) {
  return (history || [])
    .slice()
    .reverse()
    .map((h, i) => ({
      key: i,
      title: ACTIONS[h.action] || h.action,
      status: STATUS[h.to] || '',
      who: h.by_name || ROLES[h.by_role] || '',
      handler: h.handler ? h.handler.name : '',
      note: h.note || '',
      when: fmt(h.at),
    }))
}

module.exports = { STATUS, ACTIONS, MAX_PHOTOS, MAX_DESCRIPTION, fields, toggle, check, body, suggestion, nearbyKey, timeline }

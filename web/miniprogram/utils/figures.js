// The live figures an indicator shows beside its value (indicator 51's
// participation: survey answers, reports, certified cells), labelled in
// Chinese. Keys the service adds later still show, under their own name;
// nested breakdowns (by district, by type) are left to the console.
const { number } = require('./format')

const LABELS = {
  survey_responses: '问卷答卷',
  survey_valid_responses: '有效答卷',
  accepted: '受理件数',
  closed: '已结案',
  resolved: '已办结',
  on_time: '按期办结',
  on_time_rate: '按期办结率（%）',
  rated: '已评价',
  average_rating: '平均评分',
  satisfied_rate: '满意率（%）',
  reopened: '重新办理',
  method: '计算方法',
  respondents: '参与人数',
  surveys: '问卷数',
  complaints: '投诉举报',
  complaints_closed: '已办结投诉',
  certified: '认定无废细胞',
  cells_certified: '认定无废细胞',
  in_progress: '申报中',
  drafts: '申报草稿',
}

/** figures answers [{key, label, value}] for the plain numbers and texts of f. */
function figures(f) {
  if (!f || typeof f !== 'object') return []
  return Object.keys(f)
    .filter((k) => typeof f[k] === 'number' || typeof f[k] === 'string')
    .map((k) => ({ key: k, label: LABELS[k] || k, value: typeof f[k] === 'number' ? number(f[k]) : f[k] }))
}

module.exports = { figures, LABELS }

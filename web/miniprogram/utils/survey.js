// The questionnaire's rules on the phone, as the service applies them:
// which questions show (show_if), what is still missing, how far the
// citizen has come, and the answers to send. The service checks all of it
// again; this only lets the citizen fix things before submitting.

const LIKERT = [
  { value: 5, label: '非常满意' },
  { value: 4, label: '满意' },
  { value: 3, label: '一般' },
  { value: 2, label: '不满意' },
  { value: 1, label: '非常不满意' },
]

const RATING = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((v) => ({ value: v, label: String(v) }))

function answered(q, a) {
  if (a === undefined || a === null) return false
  if (q.type === 'multiple') return Array.isArray(a) && a.length > 0
  if (q.type === 'text') return typeof a === 'string' && a.trim() !== ''
  return a !== ''
}

/**
 * visibleIds answers the ids of the questions shown for these answers. A
 * question with show_if shows when the question it names is itself shown
 * and its answer (any of a multiple's choices) is among `in`.
 */
function visibleIds(questions, answers) {
  const shown = {}
  questions.forEach((q) => {
    const cond = q.show_if
    if (!cond) {
      shown[q.id] = true
      return
    }
    if (!shown[cond.question]) return
    const a = answers[cond.question]
    const vals = Array.isArray(a) ? a.map(String) : a === undefined || a === null ? [] : [String(a)]
    const want = (cond.in || []).map(String)
    if (vals.some((v) => want.indexOf(v) >= 0)) shown[q.id] = true
  })
  return shown
}

/** missing answers {questionId: message} for shown required questions without an answer, and text over its length. */
function missing(questions, answers) {
  const shown = visibleIds(questions, answers)
  const errs = {}
  questions.forEach((q) => {
    if (!shown[q.id]) return
    const a = answers[q.id]
    if (q.required && !answered(q, a)) errs[q.id] = '此题为必答题'
    else if (q.type === 'text' && typeof a === 'string' && a.length > (q.max_length || 500)) errs[q.id] = '最多 ' + (q.max_length || 500) + ' 字'
  })
  return errs
}

/** progress answers {done, total, percent} over the questions shown now. */
function progress(questions, answers) {
  const shown = visibleIds(questions, answers)
  let total = 0
  let done = 0
  questions.forEach((q) => {
    if (!shown[q.id]) return
    total++
    if (answered(q, answers[q.id])) done++
  })
  return { done, total, percent: total ? Math.round((done / total) * 100) : 0 }
}

/** payload answers the answers to submit: shown questions only, text trimmed, empty ones left out. */
function payload(questions, answers) {
  const shown = visibleIds(questions, answers)
  const out = {}
  questions.forEach((q) => {
    if (!shown[q.id] || !answered(q, answers[q.id])) return
    const a = answers[q.id]
    out[q.id] = q.type === 'text' ? a.trim() : a
  })
  return out
}

/** districtQuestion answers the survey's district question, if it has one. */
function districtQuestion(questions) {
  return questions.find((q) => q.type === 'district') || null
}

/** choices answers the options shown for a question: its own, or the fixed scales. */
function choices(q, districts) {
  if (q.type === 'likert5') return LIKERT
  if (q.type === 'rating10') return RATING
  if (q.type === 'district') return districts.map((d) => ({ value: d.adcode, label: d.name }))
  return q.options || []
}

module.exports = { LIKERT, RATING, answered, visibleIds, missing, progress, payload, districtQuestion, choices }

// Surveys: shapes of the API's answers and the rules the designer and its
// preview share with the mini-program (show-if logic, question types).
import { districts } from './districts'

export type QuestionType = 'single' | 'multiple' | 'likert5' | 'rating10' | 'text' | 'district'

export interface Option {
  value: string
  label: string
}

export interface Question {
  id: string
  type: QuestionType
  title: string
  options?: Option[]
  required?: boolean
  show_if?: { question: string; in: string[] } | null
  expect?: string
  max_length?: number
  demographic?: '' | 'sex' | 'age'
}

export interface Measures {
  satisfaction?: string
  satisfaction_measure?: 'rate' | 'score'
  awareness?: string[]
  awareness_yes?: string[]
}

export interface Survey {
  id: string
  family: string
  version: number
  previous?: string
  status: 'draft' | 'published' | 'closed'
  open: boolean
  title: string
  description: string
  opens_at: string
  closes_at: string
  questions: Question[]
  quotas: Record<string, number>
  measures: Measures
  min_seconds_per_answer: number
  created_at?: string
  published_at?: string
  closed_at?: string
}

export interface Estimate {
  estimate: number
  ci_low: number
  ci_high: number
  n: number
  n_eff: number
}

export interface MeasureStats {
  questions?: string[]
  measure: 'rate' | 'score'
  unweighted: Estimate
  weighted: Estimate
  flags?: string[]
  by_district: { adcode: string; name: string; n: number; estimate: number; ci_low: number; ci_high: number; weight: number; small_sample: boolean; wide_margin?: boolean }[]
}

export interface SurveyStats {
  survey_id: string
  version?: number
  source?: string
  method?: string
  n_total: number
  n_valid: number
  excluded: Record<string, number>
  districts?: { adcode: string; name: string; n_total: number; n_valid: number }[]
  questions: { id: string; type: QuestionType; title: string; answered: number; counts?: { value: string; label: string; count: number; share: number }[] }[]
  satisfaction: MeasureStats | null
  awareness: MeasureStats | null
  weighting?: { uncovered?: string[] } | null
  warnings?: string[]
}

export const statusNames: Record<Survey['status'], string> = { draft: '草稿', published: '已发布', closed: '已结束' }

export const typeNames: Record<QuestionType, string> = {
  single: '单选',
  multiple: '多选',
  likert5: '五级满意度',
  rating10: '0–10 评分',
  text: '文本',
  district: '所在旗区',
}

export const flagNames: Record<string, string> = {
  too_fast: '作答过快',
  straight_lining: '直线作答',
  attention_failed: '注意力题未通过',
  rate_limited: '频率超限',
  small_sample: '样本不足（n < 30）',
  wide_margin: '误差超过 5 个百分点',
}

/** Likert answers, 5 = 非常满意 … 1 = 非常不满意 (DESIGN.md §4). */
export const likertOptions: Option[] = [
  { value: '5', label: '非常满意' },
  { value: '4', label: '比较满意' },
  { value: '3', label: '一般' },
  { value: '2', label: '不太满意' },
  { value: '1', label: '非常不满意' },
]

/** The answer values a question can take (for show-if and measure pickers). */
export function optionsOf(q: Question): Option[] {
  switch (q.type) {
    case 'likert5':
      return likertOptions
    case 'rating10':
      return Array.from({ length: 11 }, (_, i) => ({ value: String(i), label: String(i) }))
    case 'district':
      return districts.map((d) => ({ value: d.adcode, label: d.name }))
    case 'single':
    case 'multiple':
      return q.options ?? []
    default:
      return []
  }
}

/** Whether a question type carries its own options. */
export function hasOwnOptions(t: QuestionType): boolean {
  return t === 'single' || t === 'multiple'
}

export type Answer = string | number | string[] | undefined

/** The answer as the strings show-if compares against. */
function answerValues(a: Answer): string[] {
  if (a === undefined || a === '') return []
  return Array.isArray(a) ? a : [String(a)]
}

/**
 * The questions shown for the answers so far: a question with show_if is
 * shown when the question it names is itself shown and answered with one
 * of the listed values (the same rule the service checks `required` by).
 */
export function visibleQuestions(questions: Question[], answers: Record<string, Answer>): Question[] {
  const shown = new Set<string>()
  const out: Question[] = []
  for (const q of questions) {
    const cond = q.show_if
    if (cond && cond.question) {
      if (!shown.has(cond.question)) continue
      const vals = answerValues(answers[cond.question])
      if (!vals.some((v) => cond.in.includes(v))) continue
    }
    shown.add(q.id)
    out.push(q)
  }
  return out
}

/** A new question with a free id (q1, q2, …). */
export function newQuestion(existing: Question[], type: QuestionType = 'single'): Question {
  let n = existing.length + 1
  while (existing.some((q) => q.id === `q${n}`)) n++
  const q: Question = { id: `q${n}`, type, title: '', required: true }
  if (hasOwnOptions(type)) q.options = [{ value: 'a', label: '' }, { value: 'b', label: '' }]
  return q
}

/** The definition as the API takes it: empty optional parts dropped. */
export function toDefinition(s: Pick<Survey, 'title' | 'description' | 'opens_at' | 'closes_at' | 'questions' | 'quotas' | 'measures' | 'min_seconds_per_answer'>) {
  const questions = s.questions.map((q) => {
    const out: Question = { id: q.id, type: q.type, title: q.title, required: !!q.required }
    if (hasOwnOptions(q.type)) out.options = q.options ?? []
    if (q.show_if && q.show_if.question) out.show_if = { question: q.show_if.question, in: q.show_if.in }
    if (q.expect) out.expect = q.expect
    if (q.type === 'text' && q.max_length) out.max_length = q.max_length
    if (q.demographic) out.demographic = q.demographic
    return out
  })
  const quotas = Object.fromEntries(Object.entries(s.quotas).filter(([, v]) => v && v > 0))
  const m = s.measures
  const measures: Measures = {}
  if (m.satisfaction) {
    measures.satisfaction = m.satisfaction
    measures.satisfaction_measure = m.satisfaction_measure ?? 'rate'
  }
  if (m.awareness?.length) {
    measures.awareness = m.awareness
    measures.awareness_yes = m.awareness_yes ?? []
  }
  return { title: s.title, description: s.description, opens_at: s.opens_at, closes_at: s.closes_at, min_seconds_per_answer: s.min_seconds_per_answer, quotas, questions, measures }
}

/** A rate (0–1) or a score as shown: 62.5% or 78.4 分. */
export function formatEstimate(v: number | null | undefined, measure: 'rate' | 'score'): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—'
  return measure === 'rate' ? `${(v * 100).toFixed(1)}%` : `${v.toFixed(1)} 分`
}

import { describe, expect, it } from 'vitest'
import { deadlineOf, isHandler } from '../src/lib/complaints'
import { reviewStage, scoreTotals, type RubricItem } from '../src/lib/cells'
import { formatEstimate, newQuestion, toDefinition, visibleQuestions, type Question } from '../src/lib/survey'

describe('complaint deadlines', () => {
  const now = new Date('2026-11-30T02:00:00Z')
  const base = { warned: [] as string[], overdue: [] as string[], resolve_due: null as string | null }
  const cases: [string, Parameters<typeof deadlineOf>[0], string | null, string | null][] = [
    ['submitted, days left', { ...base, status: 'submitted', accept_due: '2026-12-05T00:00:00+08:00' }, 'accept', 'ok'],
    ['submitted, under two days', { ...base, status: 'submitted', accept_due: '2026-12-01T00:00:00+08:00' }, 'accept', 'soon'],
    ['submitted, past', { ...base, status: 'submitted', accept_due: '2026-11-30T00:00:00+08:00' }, 'accept', 'overdue'],
    ['warned by the service', { ...base, warned: ['resolve'], status: 'in_progress', accept_due: '', resolve_due: '2026-12-20T00:00:00+08:00' }, 'resolve', 'soon'],
    ['marked overdue by the service', { ...base, overdue: ['resolve'], status: 'assigned', accept_due: '', resolve_due: '2026-12-20T00:00:00+08:00' }, 'resolve', 'overdue'],
    ['resolved has none', { ...base, status: 'resolved', accept_due: '', resolve_due: '2026-11-01T00:00:00+08:00' }, null, null],
    ['closed has none', { ...base, status: 'closed', accept_due: '2026-11-01T00:00:00+08:00' }, null, null],
  ]
  it.each(cases)('%s', (_, c, kind, level) => {
    const d = deadlineOf(c, now)
    expect(d?.kind ?? null).toBe(kind)
    expect(d?.level ?? null).toBe(level)
  })
  it('knows the handler', () => {
    const h = { handler: { kind: 'district' as const, code: '150602', name: '东胜区' } }
    expect(isHandler({ role: 'district', departments: [], districts: ['150602'] }, h)).toBe(true)
    expect(isHandler({ role: 'district', departments: [], districts: ['150603'] }, h)).toBe(false)
    expect(isHandler({ role: 'department', departments: ['东胜区'], districts: [] }, h)).toBe(false)
    expect(isHandler({ role: 'admin', departments: [], districts: [] }, { handler: null })).toBe(true)
    expect(isHandler(null, h)).toBe(false)
  })
})

describe('cell review', () => {
  const items: RubricItem[] = [
    { code: 'A', text: '', category: '', max_score: 10, evidence: '', veto: false },
    { code: 'B', text: '', category: '', max_score: 20, evidence: 'photo', veto: true },
  ]
  it('sums scores, finds unmet veto items and missing scores', () => {
    expect(scoreTotals(items, { A: 8, B: 20 })).toEqual({ total: 28, missing: [], vetoFailed: [] })
    expect(scoreTotals(items, { A: 8, B: 19.5 })).toEqual({ total: 27.5, missing: [], vetoFailed: ['B'] })
    expect(scoreTotals(items, { A: 8 })).toEqual({ total: 8, missing: ['B'], vetoFailed: [] })
  })
  it('gives each role its stage', () => {
    expect(reviewStage('district', 'submitted')).toBe('district')
    expect(reviewStage('admin', 'district_passed')).toBe('city')
    expect(reviewStage('admin', 'submitted')).toBeNull()
    expect(reviewStage('district', 'district_passed')).toBeNull()
  })
})

describe('survey designer', () => {
  const qs: Question[] = [
    { id: 'sat', type: 'likert5', title: '满意吗', required: true },
    { id: 'why', type: 'text', title: '为什么', show_if: { question: 'sat', in: ['1', '2'] } },
    { id: 'more', type: 'single', title: '愿意详谈吗', options: [{ value: 'y', label: '愿意' }], show_if: { question: 'why', in: ['x'] } },
    { id: 'topics', type: 'multiple', title: '关心的话题', options: [{ value: 'a', label: 'A' }, { value: 'b', label: 'B' }] },
    { id: 'b_only', type: 'text', title: '关于 B', show_if: { question: 'topics', in: ['b'] } },
  ]
  const ids = (a: Record<string, string | number | string[] | undefined>) => visibleQuestions(qs, a).map((q) => q.id)
  it('shows follow-ups only when their condition holds, transitively', () => {
    expect(ids({})).toEqual(['sat', 'topics'])
    expect(ids({ sat: 1 })).toEqual(['sat', 'why', 'topics'])
    expect(ids({ sat: 5, why: 'x' })).toEqual(['sat', 'topics'])
    expect(ids({ topics: ['a', 'b'] })).toEqual(['sat', 'topics', 'b_only'])
  })
  it('numbers new questions past existing ids', () => {
    expect(newQuestion([{ id: 'q2', type: 'text', title: '' }]).id).toBe('q3')
    expect(newQuestion([], 'multiple').options).toHaveLength(2)
    expect(newQuestion([], 'likert5').options).toBeUndefined()
  })
  it('sends a clean definition', () => {
    const def = toDefinition({
      title: 't', description: '', opens_at: 'a', closes_at: 'b', min_seconds_per_answer: 2,
      quotas: { '150602': 400, '150603': 0 },
      questions: [{ id: 'sat', type: 'likert5', title: '满意吗', options: [{ value: 'x', label: 'x' }], show_if: null, demographic: '' }],
      measures: { satisfaction: 'sat', awareness: [], awareness_yes: [] },
    })
    expect(def.quotas).toEqual({ '150602': 400 })
    expect(def.questions[0]).toEqual({ id: 'sat', type: 'likert5', title: '满意吗', required: false })
    expect(def.measures).toEqual({ satisfaction: 'sat', satisfaction_measure: 'rate' })
  })
  it('formats estimates', () => {
    expect(formatEstimate(0.6254, 'rate')).toBe('62.5%')
    expect(formatEstimate(78.44, 'score')).toBe('78.4 分')
    expect(formatEstimate(null, 'rate')).toBe('—')
  })
})

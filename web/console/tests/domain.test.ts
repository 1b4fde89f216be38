import { describe, expect, it } from 'vitest'
import { complaintPoint, complaintPoints, deadlineOf, isHandler, unlocatedNote } from '../src/lib/complaints'
import { certifyState, certsOfType, openObjections, reviewStage, scoreTotals, type Objection, type RubricItem } from '../src/lib/cells'
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

describe('complaint location', () => {
  const district = { adcode: '150621', name: '达拉特旗' }
  const located = { tracking_no: 'TS1', address: '东胜区测试路口', located: true, lat: 39.8285, lng: 109.7502, district: { adcode: '150602', name: '东胜区' } }
  // An Open311 request with only an address_string naming a district: no point.
  const unlocated = { tracking_no: 'TS2', address: '达拉特旗树林召镇', located: false, lat: null, lng: null, district }
  it('gives a located case its point and a case without one none', () => {
    expect(complaintPoint(located)).toEqual({ name: '东胜区测试路口', lng: 109.7502, lat: 39.8285 })
    expect(complaintPoint({ ...located, address: '' })?.name).toBe('TS1')
    expect(complaintPoint(unlocated)).toBeNull()
    // Whatever the flag says, null coordinates are no point.
    expect(complaintPoint({ ...unlocated, located: true })).toBeNull()
  })
  it('skips cases without a point in lists of points', () => {
    expect(complaintPoints([located, unlocated, located]).map((p) => p.name)).toEqual(['东胜区测试路口', '东胜区测试路口'])
    expect(complaintPoints([unlocated])).toEqual([])
  })
  it('says where a case without a point was placed', () => {
    expect(unlocatedNote(unlocated)).toBe('未定位（按地址归属到 达拉特旗）')
    expect(unlocatedNote(located)).toBeNull()
  })
})

describe('cell certification', () => {
  const now = new Date('2026-03-10T00:00:00Z')
  const ob = (status: Objection['status']): Objection => ({ id: status, text: '', at: '2026-03-03T00:00:00Z', status })
  const cases: [string, Parameters<typeof certifyState>[0], boolean | null, RegExp | null][] = [
    ['not in publicity', { status: 'district_passed', objections: null, publicity_end: null }, null, null],
    ['publicity running', { status: 'publicity', objections: [], publicity_end: '2026-03-12T00:00:00Z' }, false, /期满后/],
    ['an objection open', { status: 'publicity', objections: [ob('dismissed'), ob('open')], publicity_end: '2026-03-01T00:00:00Z' }, false, /1 条异议待处理/],
    ['ended, objections resolved', { status: 'publicity', objections: [ob('dismissed')], publicity_end: '2026-03-01T00:00:00Z' }, true, /已满/],
    ['ended at this instant', { status: 'publicity', objections: null, publicity_end: '2026-03-10T00:00:00Z' }, true, /已满/],
  ]
  it.each(cases)('%s', (_, app, can, reason) => {
    const s = certifyState(app, now)
    expect(s?.can ?? null).toBe(can)
    if (reason) expect(s?.reason).toMatch(reason)
  })
  it('counts open objections and filters certificates by type code', () => {
    expect(openObjections({ objections: [ob('open'), ob('upheld'), ob('open')] })).toBe(2)
    expect(openObjections({ objections: null })).toBe(0)
    const certs = [{ type: 'school' }, { type: 'hotel' }, { type: 'school' }]
    expect(certsOfType(certs, 'school')).toHaveLength(2)
    expect(certsOfType(certs, '')).toHaveLength(3)
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

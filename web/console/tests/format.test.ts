import { describe, expect, it } from 'vitest'
import { formatTime, formatValue, latestText, progressPct } from '../src/lib/format'
import { changed, splitList } from '../src/lib/forms'
import { mapMeasures, perDistrict } from '../src/lib/districts'
import type { Indicator } from '../src/lib/types'

describe('format', () => {
  it('shows times in Beijing time', () => {
    expect(formatTime('2025-12-31T16:30:00Z')).toBe('2026/01/01 00:30')
    expect(formatTime(null)).toBe('—')
  })
  it('formats values with units', () => {
    expect(formatValue(1234567, '吨')).toBe('1,234,567 吨')
    expect(formatValue(5.126, '-')).toBe('5.13')
    expect(formatValue(null)).toBe('—')
  })
  it('clamps progress', () => {
    expect(progressPct(null)).toBe(0)
    expect(progressPct(140)).toBe(100)
    expect(progressPct(33.4)).toBe(33)
  })
  it('shows an assessment for qualitative latest values', () => {
    const ind = { unit: '-', latest: { value: null, assessment: 'on_track' } } as unknown as Indicator
    expect(latestText(ind)).toBe('进展顺利')
  })
})

describe('forms', () => {
  it('keeps only changed fields', () => {
    expect(changed({ a: '1', b: ['x'], c: 'z' }, { a: '1', b: ['x', 'y'], c: 'w' })).toEqual({ b: ['x', 'y'], c: 'w' })
  })
  it('splits lists typed with Chinese or Latin separators', () => {
    expect(splitList('市工信局、市生态环境局，市统计局, 市农牧局')).toEqual(['市工信局', '市生态环境局', '市统计局', '市农牧局'])
  })
})

describe('district measures', () => {
  it('reads breakdowns by name or by adcode rows', () => {
    expect(perDistrict({ 东胜区: 3, 150603: 1 }, 'x')).toEqual({ 东胜区: 3, 康巴什区: 1 })
    expect(perDistrict([{ adcode: '150621', name: '达拉特旗', responses: 7 }], 'responses')).toEqual({ 达拉特旗: 7 })
    expect(perDistrict(undefined, 'x')).toBeNull()
  })
  it('offers census measures always and live ones when the service has them', () => {
    expect(mapMeasures([]).map((m) => m.key)).toEqual(['population', 'urban', 'over60'])
    const inds = [{ code: 'I41', live_figures: { by_district: [{ adcode: '150626', name: '乌审旗', count: 2 }] } }] as unknown as Indicator[]
    const m = mapMeasures(inds)
    expect(m[0].key).toBe('cells')
    expect(Object.keys(m[0].values)).toHaveLength(9)
    expect(m[0].values['乌审旗']).toBe(2)
    expect(m[0].values['东胜区']).toBe(0)
  })
})

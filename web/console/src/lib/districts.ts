// Ordos' 9 divisions with their 2020 census figures (configs/refdata), and
// the per-district measures the dashboard map can be coloured by.
import census from '../../../../configs/refdata/ordos_districts.json'
import type { Indicator } from './types'

export interface District {
  adcode: string
  name: string
  population: number
  urbanPct: number
  over60Pct: number
}

export const districts: District[] = census.divisions.map((d) => ({
  adcode: String(d.adcode),
  name: d.name,
  population: d.population_2020,
  urbanPct: Math.round((d.urban_2020 / d.population_2020) * 1000) / 10,
  over60Pct: d.age_60_plus_pct_2020,
}))

/** A value per district name, with how to call and show it. */
export interface Measure {
  key: string
  label: string
  unit: string
  values: Record<string, number>
}

/** The district name of an adcode or a name (the feeds use either). */
export function districtName(key: string): string {
  return districts.find((d) => d.adcode === key || d.name === key)?.name ?? key
}

/**
 * Reads a per-district breakdown out of a live indicator's figures: either
 * a map of name (or adcode) → count, or rows with adcode/name and a count.
 */
export function perDistrict(raw: unknown, countKey: string): Record<string, number> | null {
  const out: Record<string, number> = {}
  if (Array.isArray(raw)) {
    for (const row of raw) {
      if (!row || typeof row !== 'object') continue
      const r = row as Record<string, unknown>
      const name = districtName(String(r.adcode ?? r.name ?? ''))
      const v = Number(r[countKey])
      if (name && !Number.isNaN(v)) out[name] = (out[name] ?? 0) + v
    }
  } else if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      const n = Number(v)
      if (!Number.isNaN(n)) out[districtName(k)] = (out[districtName(k)] ?? 0) + n
    }
  } else {
    return null
  }
  return out
}

/** The measures available for the map: census figures, and live figures when the service has them. */
export function mapMeasures(indicators: Indicator[]): Measure[] {
  const byName = (f: (d: District) => number) => Object.fromEntries(districts.map((d) => [d.name, f(d)]))
  const out: Measure[] = []
  const cells = indicators.find((i) => i.code === 'I41')?.live_figures
  // Indicator 41's by_district rows are {adcode, name, count}, as in GET /cells/certified.
  const cellCounts = cells ? perDistrict(cells.by_district, 'count') : null
  if (cellCounts) out.push({ key: 'cells', label: '已认证无废细胞', unit: '个', values: fill(cellCounts) })
  const part = indicators.find((i) => i.code === 'I51')?.live_figures
  const responses = part ? perDistrict(part.responses_by_district, 'responses') : null
  if (responses) out.push({ key: 'responses', label: '问卷答卷数', unit: '份', values: fill(responses) })
  out.push(
    { key: 'population', label: '常住人口（2020）', unit: '人', values: byName((d) => d.population) },
    { key: 'urban', label: '城镇人口占比（2020）', unit: '%', values: byName((d) => d.urbanPct) },
    { key: 'over60', label: '60 岁及以上占比（2020）', unit: '%', values: byName((d) => d.over60Pct) },
  )
  return out
}

function fill(v: Record<string, number>): Record<string, number> {
  return Object.fromEntries(districts.map((d) => [d.name, v[d.name] ?? 0]))
}

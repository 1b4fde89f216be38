// Answers shaped like the API's, for page tests that do not need a server.
function indicator(over) {
  return Object.assign(
    {
      code: 'I01', no: 1, level1: '固体废物源头减量', level2: '工业源头减量', name: '一般工业固体废物产生强度',
      national_required: true, city_specific: false, baseline_2020: '6.00', target_2025: '<6.00', unit: '吨/万元',
      departments: ['市工信局', '市生态环境局'], direction: 'lower', target: { kind: 'numeric', comparator: '<', value: 6, text: '<6.00' },
      live: null, latest: null, progress: null, status: 'no_data', corrected: [],
    },
    over,
  )
}

const summary = {
  indicators: {
    total: 52,
    counts: { achieved: 3, on_track: 2, at_risk: 1, lagging: 0, no_data: 46 },
    by_group: [
      { name: '固体废物源头减量', total: 17, counts: { achieved: 3, on_track: 2, at_risk: 0, lagging: 0, no_data: 12 } },
      { name: '群众获得感', total: 3, counts: { achieved: 0, on_track: 0, at_risk: 1, lagging: 0, no_data: 2 } },
    ],
  },
  tasks: { total: 83, counts: { completed: 5, in_progress: 10, not_started: 68, overdue: 60 }, overdue: 60, by_domain: [] },
}

const indicators = {
  items: [
    indicator(),
    indicator({
      code: 'I48', no: 48, level1: '保障能力', name: '投诉举报办结率', unit: '%', target_2025: '≥90', live: { kind: 'computed', name: '投诉举报办结率' },
      latest: { id: 'm1', period: '2026', value: 87.456, source: 'computed', evidence: [], by: {}, recorded_at: '2026-11-28T16:30:00Z' }, progress: 97, status: 'on_track',
    }),
    indicator({
      code: 'I51', no: 51, level1: '群众获得感', name: '参与程度', unit: '-', target_2025: '积极参与', live: { kind: 'figures', name: '公众参与情况' },
      live_figures: { survey_responses: 12, nested: { a: 1 } },
    }),
  ],
  next_cursor: '',
}

module.exports = { indicator, summary, indicators }

// Shapes of the API's answers (api/openapi.yaml components/schemas).

export type Role = 'admin' | 'department' | 'district' | 'evaluator' | 'citizen'

export interface User {
  id: string
  role: Role
  username?: string
  display_name: string
  departments: string[]
  districts: string[]
  disabled: boolean
  created_at: string
}

export interface Who {
  name?: string
  role?: string
  department?: string
}

export type Status = 'achieved' | 'on_track' | 'at_risk' | 'lagging' | 'no_data'
export type Assessment = Exclude<Status, 'no_data'>

export interface Measurement {
  id: string
  period: string
  value: number | null
  assessment?: Assessment
  note?: string
  evidence: string[]
  source: 'manual' | 'computed' | 'evaluator'
  provenance?: Record<string, unknown>
  supersedes?: string
  superseded_by?: string
  reason?: string
  by: Who
  recorded_at: string
}

export interface Target {
  kind: 'numeric' | 'qualitative'
  comparator?: string
  value: number | null
  text: string
}

export interface Indicator {
  code: string
  no: number
  level1: string
  level2: string
  name: string
  national_required: boolean
  city_specific: boolean
  baseline_2020: string
  target_2025: string
  unit: string
  departments: string[]
  direction: 'higher' | 'lower'
  target: Target
  live: { kind: 'computed' | 'signed_off' | 'figures'; name: string } | null
  live_figures?: Record<string, unknown>
  latest: Measurement | null
  progress: number | null
  status: Status
  corrected: string[]
  measurements?: Measurement[]
}

export type TaskStatus = 'not_started' | 'in_progress' | 'completed'

export interface TaskUpdate {
  id: string
  status: TaskStatus
  progress: number
  note?: string
  evidence?: string[]
  by: Who
  at: string
}

export interface Task {
  code: string
  domain: string
  no: number
  name: string
  description: string
  lead: string[]
  participants: string[]
  deadline: string
  due: string | null
  continuous: boolean
  status: TaskStatus
  progress: number
  overdue: boolean
  latest_update: TaskUpdate | null
  corrected: string[]
  updates?: TaskUpdate[]
}

export interface StatusCounts {
  [status: string]: number
}

export interface Summary {
  indicators: { total: number; counts: StatusCounts; by_group: { name: string; total: number; counts: StatusCounts }[] }
  tasks: { total: number; counts: StatusCounts; overdue: number; by_domain: { name: string; total: number; counts: StatusCounts }[] }
}

export interface Department {
  name: string
  indicators: number
  tasks_lead: number
  tasks_participating: number
}

export interface AuditEntry {
  id: string
  time: string
  actor: { id: string; role: string; name: string }
  action: string
  object_type: string
  object_id: string
  before?: Record<string, unknown>
  after?: Record<string, unknown>
  request_id?: string
}

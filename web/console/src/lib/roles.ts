// Who may see which page, and who may report which value. The service is
// the authority (it answers 403); these rules only keep the console from
// offering what would be refused.
import type { Role, User } from './types'

export const roleNames: Record<Role, string> = {
  admin: '市无废办管理员',
  department: '市直部门',
  district: '旗区',
  evaluator: '第三方测评机构',
  citizen: '市民',
}

/** Roles that may sign in to the console (citizens use the mini-program). */
export const staffRoles: Role[] = ['admin', 'department', 'district', 'evaluator']

export interface MenuItem {
  path: string
  title: string
  /** Roles that see it; undefined = everyone, logged in or not. */
  roles?: Role[]
}

export interface MenuGroup {
  title: string
  items: MenuItem[]
}

/** The whole menu; `menuFor` keeps what a role may use. */
export const menu: MenuGroup[] = [
  {
    title: '公开信息',
    items: [
      { path: '/', title: '总览' },
      { path: '/indicators', title: '指标' },
      { path: '/tasks', title: '任务' },
      { path: '/cells/certified', title: '无废细胞地图' },
    ],
  },
  {
    title: '问卷与测评',
    items: [{ path: '/surveys', title: '问卷调查', roles: ['admin', 'evaluator'] }],
  },
  {
    title: '无废细胞',
    items: [{ path: '/cells', title: '申报审核', roles: ['admin', 'district'] }],
  },
  {
    title: '投诉举报',
    items: [
      { path: '/complaints', title: '办理队列', roles: ['admin', 'department', 'district'] },
      { path: '/complaints/sla', title: '办理情况统计', roles: ['admin', 'department', 'district'] },
    ],
  },
  {
    title: '系统管理',
    items: [
      { path: '/admin/users', title: '工作人员账号', roles: ['admin'] },
      { path: '/admin/audit', title: '操作日志', roles: ['admin'] },
      { path: '/admin/open311', title: 'Open311 接口密钥', roles: ['admin'] },
    ],
  },
]

/** The menu groups and items visible to a role (null = not logged in). */
export function menuFor(role: Role | null): MenuGroup[] {
  return menu
    .map((g) => ({ ...g, items: g.items.filter((i) => !i.roles || (role !== null && i.roles.includes(role))) }))
    .filter((g) => g.items.length > 0)
}

/** Whether a role passes a page's rule (undefined roles = public). */
export function allows(roles: Role[] | undefined, role: Role | null): boolean {
  return !roles || (role !== null && roles.includes(role))
}

// Collective names in the registry's department columns, and who they
// stand for (the service applies the same rule in internal/registry).
const ALL_MEMBERS = '各成员单位'
const ALL_DISTRICTS = '各旗区人民政府'
const EVALUATOR = '第三方测评机构'

/**
 * Whether a user may report values (or task progress) for an item whose
 * responsible departments are `departments`.
 */
export function mayReport(user: User | null, departments: string[]): boolean {
  if (!user) return false
  switch (user.role) {
    case 'admin':
      return true
    case 'department':
      return user.departments.some((d) => departments.includes(d)) || (departments.includes(ALL_MEMBERS) && user.departments.length > 0)
    case 'district':
      return departments.includes(ALL_DISTRICTS)
    case 'evaluator':
      return departments.includes(EVALUATOR)
    default:
      return false
  }
}

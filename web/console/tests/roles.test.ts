import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { allows, mayReport, menu, menuFor, staffRoles } from '../src/lib/roles'
import { routes } from '../src/router'
import type { User } from '../src/lib/types'

const user = (role: User['role'], departments: string[] = []): User => ({ id: 'u', role, display_name: '', departments, districts: [], disabled: false, created_at: '' })

describe('menu by role', () => {
  const items = (role: Parameters<typeof menuFor>[0]) => menuFor(role).flatMap((g) => g.items.map((i) => i.path))
  it('shows the public pages to everyone and admin pages only to the admin', () => {
    const pub = ['/', '/indicators', '/tasks', '/cells/certified']
    expect(items(null)).toEqual(pub)
    expect(items('department')).toEqual([...pub, '/complaints', '/complaints/sla'])
    expect(items('district')).toEqual([...pub, '/cells', '/complaints', '/complaints/sla'])
    expect(items('evaluator')).toEqual([...pub, '/surveys'])
    expect(items('admin')).toEqual([...pub, '/surveys', '/cells', '/complaints', '/complaints/sla', '/admin/users', '/admin/audit', '/admin/open311'])
  })
  it('drops groups left empty', () => {
    expect(menuFor('evaluator').map((g) => g.title)).toEqual(['公开信息', '问卷与测评'])
    expect(menuFor(null).map((g) => g.title)).toEqual(['公开信息'])
  })
  it('allows public pages to all and role pages to their roles', () => {
    expect(allows(undefined, null)).toBe(true)
    expect(allows(['admin'], null)).toBe(false)
    expect(allows(['admin'], 'department')).toBe(false)
    expect(allows(['admin'], 'admin')).toBe(true)
  })
})

describe('page rules', () => {
  it('every menu item has its page\'s rule', () => {
    for (const item of menu.flatMap((g) => g.items)) {
      const page = routes.find((r) => r.path === item.path)
      expect(page, item.path).toBeDefined()
      expect(page?.meta?.roles, item.path).toEqual(item.roles)
    }
  })

  /** The x-roles of one operation in api/openapi.yaml (method lower case), or null. */
  function apiRoles(method: string, path: string): string[] | null {
    const spec = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../../api/openapi.yaml'), 'utf8')
    const at = spec.indexOf(`\n  ${path}:\n`)
    if (at < 0) return null
    const next = spec.slice(at + 1).search(/\n  \/[^\n]*:\n/)
    const block = spec.slice(at + 1, next < 0 ? undefined : at + 1 + next)
    const op = block.match(new RegExp(`\n    ${method}:\n(?:      [^\n]*\n|\s*\n)*?      x-roles: \\[([^\\]]*)\\]`))
    return op ? op[1].split(',').map((r) => r.trim()) : null
  }

  // A page shows what its API operation answers: its staff roles are exactly the console roles the service lets call it.
  const pages: [string, string, string][] = [
    ['/complaints', 'get', '/api/v1/complaints'],
    ['/complaints/sla', 'get', '/api/v1/complaints/stats'],
    ['/complaints/:id', 'get', '/api/v1/complaints/{id}'],
    ['/admin/open311', 'get', '/api/v1/admin/open311/keys'],
  ]
  it.each(pages)('%s agrees with %s %s', (page, method, path) => {
    const want = apiRoles(method, path)
    expect(want, `${method} ${path} in api/openapi.yaml`).not.toBeNull()
    const roles = routes.find((r) => r.path === page)?.meta?.roles
    expect([...(roles ?? [])].sort()).toEqual(want!.filter((r) => (staffRoles as string[]).includes(r)).sort())
  })
})

describe('who may report', () => {
  const cases: [string, User | null, string[], boolean][] = [
    ['nobody logged in', null, ['市生态环境局'], false],
    ['admin always', user('admin'), ['市统计局'], true],
    ['own department', user('department', ['市生态环境局']), ['市工信局', '市生态环境局'], true],
    ['other department', user('department', ['市农牧局']), ['市工信局'], false],
    ['any department for 各成员单位', user('department', ['市农牧局']), ['各成员单位'], true],
    ['department without scope', user('department'), ['各成员单位'], false],
    ['district for 各旗区人民政府', user('district'), ['市住建局', '各旗区人民政府'], true],
    ['district otherwise', user('district'), ['市住建局'], false],
    ['evaluator for 第三方测评机构', user('evaluator'), ['第三方测评机构'], true],
    ['evaluator otherwise', user('evaluator'), ['市统计局'], false],
    ['citizen never', user('citizen'), ['各成员单位'], false],
  ]
  it.each(cases)('%s', (_, u, depts, want) => expect(mayReport(u, depts)).toBe(want))
})

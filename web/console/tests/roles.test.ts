import { describe, expect, it } from 'vitest'
import { allows, mayReport, menuFor } from '../src/lib/roles'
import type { User } from '../src/lib/types'

const user = (role: User['role'], departments: string[] = []): User => ({ id: 'u', role, display_name: '', departments, districts: [], disabled: false, created_at: '' })

describe('menu by role', () => {
  const items = (role: Parameters<typeof menuFor>[0]) => menuFor(role).flatMap((g) => g.items.map((i) => i.path))
  it('shows the public pages to everyone and admin pages only to the admin', () => {
    const pub = ['/', '/indicators', '/tasks', '/cells/certified']
    expect(items(null)).toEqual(pub)
    expect(items('department')).toEqual([...pub, '/complaints'])
    expect(items('district')).toEqual([...pub, '/cells', '/complaints'])
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

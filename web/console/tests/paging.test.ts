import { describe, expect, it } from 'vitest'
import { usePaging } from '../src/lib/paging'

describe('cursor paging', () => {
  // Three pages of a list the service pages forward only.
  const pages: Record<string, { items: number[]; next_cursor: string }> = {
    '': { items: [1, 2], next_cursor: 'c2' },
    c2: { items: [3, 4], next_cursor: 'c3' },
    c3: { items: [5], next_cursor: '' },
  }
  it('goes forward and back over remembered cursors', async () => {
    const asked: string[] = []
    const p = usePaging<number>(async (c) => (asked.push(c), pages[c]))
    await p.reset()
    expect(p.state.items).toEqual([1, 2])
    expect(p.page()).toBe(1)
    await p.next()
    await p.next()
    expect(p.state.items).toEqual([5])
    expect(p.page()).toBe(3)
    expect(p.state.next).toBe('')
    await p.next() // past the end: nothing happens
    expect(asked).toEqual(['', 'c2', 'c3'])
    await p.prev()
    expect(p.state.items).toEqual([3, 4])
    expect(asked.at(-1)).toBe('c2')
    await p.reset()
    expect(p.page()).toBe(1)
  })
  it('keeps the error for the page to show', async () => {
    const p = usePaging<number>(async () => {
      throw new Error('当前账号无权执行此操作')
    })
    await p.reset()
    expect(p.state.error).toBe('当前账号无权执行此操作')
    expect(p.state.loading).toBe(false)
  })
})

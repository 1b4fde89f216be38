// Cursor pagination state for a list page.
import { reactive } from 'vue'
import type { Page } from './api'

/**
 * Keeps the cursor of every page seen (cursors[i] loads page i), so
 * "previous" can go back over a list the service pages forward only.
 */
export function usePaging<T>(load: (cursor: string) => Promise<Page<T>>) {
  const state = reactive({
    items: [] as T[],
    cursors: [''] as string[],
    index: 0,
    next: '',
    loading: false,
    error: '',
  })
  async function go(index: number) {
    if (index < 0 || index >= state.cursors.length) return
    state.loading = true
    state.error = ''
    try {
      const page = await load(state.cursors[index])
      state.items = page.items as never
      state.index = index
      state.cursors = state.cursors.slice(0, index + 1)
      state.next = page.next_cursor
      if (page.next_cursor) state.cursors.push(page.next_cursor)
    } catch (e) {
      state.error = e instanceof Error ? e.message : String(e)
    } finally {
      state.loading = false
    }
  }
  return {
    state,
    /** Reloads from the first page (after a filter changed). */
    reset: () => {
      state.cursors = ['']
      return go(0)
    },
    /** Reloads the current page (after an edit). */
    reload: () => go(state.index),
    next: () => go(state.index + 1),
    prev: () => go(state.index - 1),
    page: () => state.index + 1,
  }
}

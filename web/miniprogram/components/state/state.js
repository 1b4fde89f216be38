// Loading, error and empty states, the same on every page. The error text
// is the API's Chinese message; 重试 fires `retry` for the page to reload.
Component({
  properties: {
    loading: { type: Boolean, value: false },
    error: { type: String, value: '' },
    empty: { type: Boolean, value: false },
    emptyText: { type: String, value: '暂无内容' },
  },
  methods: {
    onRetry() {
      this.triggerEvent('retry')
    },
  },
})

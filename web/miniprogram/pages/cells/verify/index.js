// 证书核验: what a certificate's QR code opens. The code carries the number
// as its scene (?scene=WFXB-2026-0001); links inside the mini-program pass
// ?number=. Public: anyone who scans it sees whether it is valid.
const api = require('../../../utils/api')
const config = require('../../../config')
const { date } = require('../../../utils/format')

const VERDICT = { valid: '✓ 证书有效', expired: '证书已过期', revoked: '证书已撤销' }

Component({
  data: { loading: true, error: '', number: '', c: null, verdict: '', issued: '', expires: '', qr: '' },
  methods: {
    onLoad(query) {
      const q = query || {}
      const number = q.number ? decodeURIComponent(q.number) : q.scene ? decodeURIComponent(q.scene) : ''
      this.setData({ number })
      if (!number) {
        this.setData({ loading: false, error: '二维码无效：缺少证书编号' })
        return Promise.resolve()
      }
      return this.load()
    },
    load() {
      this.setData({ loading: true, error: '' })
      const path = '/api/v1/cells/certificates/' + encodeURIComponent(this.data.number)
      return api
        .get(path, null, { auth: false })
        .then((c) => {
          this.setData({
            loading: false,
            c,
            verdict: VERDICT[c.status] || c.status,
            issued: date(c.issued_at),
            // expires_at is the first instant it is no longer valid: show the last valid day.
            expires: date(new Date(Date.parse(c.expires_at) - 1000).toISOString()),
            qr: config.apiBase.replace(/\/$/, '') + path + '/qrcode',
          })
        })
        .catch((err) => this.setData({ loading: false, error: api.message(err) }))
    },
    openMap() {
      const c = this.data.c
      if (c && typeof c.lat === 'number') wx.openLocation({ latitude: c.lat, longitude: c.lng, name: c.unit_name, address: c.address, scale: 16 })
    },
  },
})

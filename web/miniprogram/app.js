// The mini-program: logs in silently at launch so the first page that needs
// a session does not wait for it; utils/api.js logs in again on its own
// whenever the session is missing or has expired.
const api = require('./utils/api')

App({
  onLaunch() {
    if (!api.getToken()) api.login().catch(() => {}) // a page shows the error if it needs the session
  },
})

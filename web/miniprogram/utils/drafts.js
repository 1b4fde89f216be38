// Unsent forms kept on the phone, so a submit that failed for want of a
// network survives the app being closed: the page saves the form when the
// submit fails and offers it again next time; a successful submit clears it.
const PREFIX = 'wufei_draft:'

/** save keeps value under key (e.g. "report", "survey:<id>"). */
function save(key, value) {
  try {
    wx.setStorageSync(PREFIX + key, { saved_at: Date.now(), value })
  } catch (e) {
    // storage full or unavailable: the form is still on screen
  }
}

/** load answers the kept value for key, or null. */
function load(key) {
  const d = wx.getStorageSync(PREFIX + key)
  return d && d.value !== undefined ? d.value : null
}

/** clear forgets key. */
function clear(key) {
  wx.removeStorageSync(PREFIX + key)
}

module.exports = { save, load, clear }

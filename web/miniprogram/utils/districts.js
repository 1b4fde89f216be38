// The nine districts (旗区) of Ordos and which one a GCJ-02 point lies in,
// used to preselect the district in surveys. The service decides the
// district of a complaint itself; this only saves the citizen a tap.
const DATA = require('./districts-data')

/** list is [{adcode, name}] in the census order. */
const list = DATA.map((d) => ({ adcode: d.adcode, name: d.name }))

function inRing(lng, lat, ring) {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]
    const [xj, yj] = ring[j]
    if (yi > lat !== yj > lat && lng < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

/** locate answers the district {adcode, name} containing the point, or null outside Ordos. */
function locate(lat, lng) {
  if (typeof lat !== 'number' || typeof lng !== 'number') return null
  for (const d of DATA) {
    if (d.rings.some((r) => inRing(lng, lat, r))) return { adcode: d.adcode, name: d.name }
  }
  return null
}

/** name answers a district's name by adcode, or ''. */
function name(adcode) {
  const d = list.find((x) => x.adcode === String(adcode))
  return d ? d.name : ''
}

module.exports = { list, locate, name }

// 统一社会信用代码 (GB 32100-2015) checked on the phone as the service
// checks it, so a typo is caught while the applicant still has the licence
// in hand: 18 characters of the code set, the 18th a check character.
const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

/** normalize trims, turns full-width characters half-width and letters upper-case. */
function normalize(code) {
  return String(code || '')
    .trim()
    .replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .toUpperCase()
}

/** checkChar answers the 18th character for the first 17, or '' when they are not valid characters. */
function checkChar(first17) {
  if (first17.length !== 17) return ''
  let sum = 0
  for (let i = 0; i < 17; i++) {
    const v = CHARSET.indexOf(first17[i])
    if (v < 0) return ''
    sum += v * WEIGHTS[i]
  }
  return CHARSET[(31 - (sum % 31)) % 31]
}

/** validate answers '' for a valid (normalized) code, else the Chinese reason. */
function validate(code) {
  const chars = Array.from(code)
  if (chars.length !== 18) return '统一社会信用代码应为18位，当前为' + chars.length + '位'
  for (let i = 0; i < 18; i++) {
    if (CHARSET.indexOf(chars[i]) < 0) return '统一社会信用代码第' + (i + 1) + '位“' + chars[i] + '”不是允许的字符（数字或除I、O、Z、S、V以外的大写字母）'
  }
  if (checkChar(code.slice(0, 17)) !== code[17]) return '统一社会信用代码校验位不正确，请核对'
  return ''
}

module.exports = { normalize, validate, checkChar }

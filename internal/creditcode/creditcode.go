// Package creditcode checks 统一社会信用代码, the unified social credit code
// of GB 32100-2015 that identifies every legal person and other organisation
// in China (an applying unit's identity in 无废细胞 certification).
//
// A code has 18 characters drawn from the 31 characters 0-9 and the capital
// letters without I, O, Z, S and V; the last one is a check character computed
// from the first 17. This package checks exactly that: length, character set
// and check character. It does not check that the code was ever issued, nor
// the meaning of its parts (registration authority, organisation type,
// administrative division, organisation code), because valid codes with
// unusual parts exist and only the issuing register can say a code is real.
package creditcode

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// Length is the number of characters of a code.
const Length = 18

// Charset lists the characters a code may use, in the order of their values
// 0..30 (GB 32100-2015 表 1): the value of a character is its index here.
const Charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// weights are the factors of positions 1..17: 3^(i-1) mod 31 (GB 32100-2015 §5).
var weights = [Length - 1]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// values maps an ASCII byte to its value plus one; 0 means "not in Charset".
// An array beats a map or strings.IndexByte on the hot path and needs no init.
var values = func() (v [256]int8) {
	for i := 0; i < len(Charset); i++ {
		v[Charset[i]] = int8(i + 1)
	}
	return v
}()

// The errors Validate returns. They are invalid-input errors of the service
// (HTTP 400) with a stable code and a Chinese message; Validate returns
// copies with a more precise message, which still match under errors.Is.
var (
	ErrLength     = errs.New(errs.KindInvalid, "credit_code_length", "统一社会信用代码应为18位")
	ErrCharset    = errs.New(errs.KindInvalid, "credit_code_charset", "统一社会信用代码含有不允许的字符")
	ErrCheckDigit = errs.New(errs.KindInvalid, "credit_code_check_digit", "统一社会信用代码校验位不正确，请核对")
)

// Normalize returns code in the form Validate expects and the service
// stores: surrounding white space (including the ideographic space U+3000)
// removed, full-width letters and digits (as typed with a Chinese input
// method, e.g. "９１") turned into ASCII, and letters upper-cased.
// It never rejects anything: Validate says whether the result is a code.
func Normalize(code string) string {
	code = strings.TrimFunc(code, unicode.IsSpace)
	var b strings.Builder
	b.Grow(len(code))
	for _, r := range code {
		if r >= '！' && r <= '～' { // full-width forms of ASCII ! .. ~
			r = r - '！' + '!'
		}
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Validate returns nil if code is a well-formed unified social credit code,
// else an error matching exactly one of ErrLength, ErrCharset or
// ErrCheckDigit, checked in that order, whose message names the offending
// position. Lower case is a charset error: call Normalize first.
func Validate(code string) error {
	// Count characters, not bytes: "统一社会信用代码" pasted by mistake is 8
	// characters long, and saying 24 would puzzle the user.
	if n := utf8.RuneCountInString(code); n != Length {
		return ErrLength.WithMessage(fmt.Sprintf("统一社会信用代码应为18位，当前为%d位", n))
	}
	for i, r := range []rune(code) {
		if r >= utf8.RuneSelf || values[r] == 0 {
			return ErrCharset.WithMessage(fmt.Sprintf("统一社会信用代码第%d位“%c”不是允许的字符（数字或除I、O、Z、S、V以外的大写字母）", i+1, r))
		}
	}
	// The length and charset checks make code 18 ASCII bytes from here on.
	want, _ := CheckChar(code[:Length-1])
	if code[Length-1] != want {
		return ErrCheckDigit
	}
	return nil
}

// CheckChar returns the check character (position 18) for the first 17
// characters of a code: C18 = 31 − (Σ Ci·Wi mod 31), with 31 written as '0'
// (GB 32100-2015 §5). It fails with ErrLength or ErrCharset if first17 is not
// 17 characters of Charset, so that a valid code is first17 + CheckChar.
func CheckChar(first17 string) (byte, error) {
	if len(first17) != Length-1 {
		return 0, ErrLength
	}
	sum := 0
	for i := 0; i < Length-1; i++ {
		v := values[first17[i]]
		if v == 0 {
			return 0, ErrCharset
		}
		sum += int(v-1) * weights[i]
	}
	return Charset[(31-sum%31)%31], nil
}

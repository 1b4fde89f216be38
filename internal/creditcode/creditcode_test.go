package creditcode

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkCharSlow is an independent implementation of GB 32100-2015 §5 used to
// cross-check CheckChar: it derives the weights as 3^(i-1) mod 31 instead of
// reading the table, and looks characters up with strings.IndexByte.
func checkCharSlow(first17 string) byte {
	sum, w := 0, 1
	for i := range 17 {
		sum += strings.IndexByte(Charset, first17[i]) * w
		w = w * 3 % 31
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return Charset[c]
}

func TestCharsetAndWeights(t *testing.T) {
	t.Parallel()
	if len(Charset) != 31 {
		t.Fatalf("len(Charset) = %d, want 31", len(Charset))
	}
	for _, banned := range "IOZSV" {
		if strings.ContainsRune(Charset, banned) {
			t.Errorf("Charset contains %c", banned)
		}
	}
	w := 1
	for i, got := range weights {
		if got != w {
			t.Errorf("weights[%d] = %d, want 3^%d mod 31 = %d", i, got, i, w)
		}
		w = w * 3 % 31
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		code string
		want error
	}{
		// GB 32100-2015's own example. Check by hand: values 9,1,3,5,0,1,0,0,
		// M=21,0,0,0,1,0,0,Y=30,4 times weights 1,3,9,27,19,26,16,17,20,29,
		// 25,13,8,24,10,30,28 = 9+3+27+135+0+26+0+0+420+0+0+0+8+0+0+900+112
		// = 1640; 1640 mod 31 = 28; 31-28 = 3 → '3'.
		"standard example": {code: "91350100M000100Y43"},
		// Published on the companies' own sites and 国家企业信用信息公示系统.
		"华为技术有限公司":                      {code: "914403001922038216"},
		"小米科技有限责任公司":                    {code: "91110108551385082Q"},
		"腾讯科技（深圳）有限公司":                  {code: "91440300708461136T"},
		"check value 31 is 0":           {code: "91150600MA0N7QXX00"}, // sum ≡ 0 (mod 31)
		"empty":                         {code: "", want: ErrLength},
		"17 characters":                 {code: "91350100M000100Y4", want: ErrLength},
		"19 characters":                 {code: "91350100M000100Y433", want: ErrLength},
		"chinese counted as characters": {code: "统一社会信用代码统一社会信用代码统一", want: ErrCharset},
		"letter I":                      {code: "91350100I000100Y43", want: ErrCharset},
		"letter O":                      {code: "91350100O000100Y43", want: ErrCharset},
		"letter Z":                      {code: "9135010Z0000100Y43", want: ErrCharset},
		"letter S":                      {code: "S1350100M000100Y43", want: ErrCharset},
		"letter V":                      {code: "91350100M000100V43", want: ErrCharset},
		"lower case":                    {code: "91350100m000100y43", want: ErrCharset},
		"space inside":                  {code: "91350100 000100Y43", want: ErrCharset},
		"full-width digit":              {code: "９1350100M000100Y43", want: ErrCharset},
		"check character off by one":    {code: "91350100M000100Y44", want: ErrCheckDigit},
		"swapped neighbours":            {code: "19350100M000100Y43", want: ErrCheckDigit},
		"one character changed":         {code: "91350100M000100Y53", want: ErrCheckDigit},
		"check char banned letter":      {code: "91350100M000100Y4S", want: ErrCharset},
		"length checked before charset": {code: "abc", want: ErrLength},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := Validate(tc.code)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Validate(%q) = %v, want nil", tc.code, err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Validate(%q) = %v, want %v", tc.code, err, tc.want)
			}
			for _, other := range []error{ErrLength, ErrCharset, ErrCheckDigit} {
				if other != tc.want && errors.Is(err, other) {
					t.Errorf("Validate(%q) = %v also matches %v", tc.code, err, other)
				}
			}
			if !strings.Contains(err.Error(), "统一社会信用代码") {
				t.Errorf("message %q is not the Chinese one", err)
			}
		})
	}
}

func TestValidateMessages(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		code, want string
	}{
		"length":    {code: "9135", want: "统一社会信用代码应为18位，当前为4位"},
		"position":  {code: "91350100I000100Y43", want: "第9位“I”"},
		"non ascii": {code: "91350100M000100Y4！", want: "第18位“！”"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := Validate(tc.code); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate(%q) = %v, want message containing %q", tc.code, err, tc.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in, want string
	}{
		"already normal":     {in: "91350100M000100Y43", want: "91350100M000100Y43"},
		"lower case":         {in: "91350100m000100y43", want: "91350100M000100Y43"},
		"spaces and newline": {in: " \t91350100M000100Y43\r\n", want: "91350100M000100Y43"},
		"ideographic space":  {in: "\u300091350100M000100Y43\u3000", want: "91350100M000100Y43"},
		"full-width":         {in: "９１３５０１００ｍ０００１００ｙ４３", want: "91350100M000100Y43"},
		"inner space kept":   {in: "9135 0100", want: "9135 0100"},
		"empty":              {in: "", want: ""},
		"chinese untouched":  {in: "代码", want: "代码"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := Normalize(tc.in); got != tc.want {
				t.Fatalf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestCheckChar(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		first17 string
		want    byte
		err     error
	}{
		"standard example":   {first17: "91350100M000100Y4", want: '3'},
		"华为":                 {first17: "91440300192203821", want: '6'},
		"ordos style":        {first17: "91150600MA0N7QXX0", want: '0'},
		"all zeros":          {first17: "00000000000000000", want: '0'},
		"short":              {first17: "9135", err: ErrLength},
		"bad char":           {first17: "91350100I000100Y4", err: ErrCharset},
		"17 bytes non-ascii": {first17: "代码91350100M00", err: ErrCharset},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := CheckChar(tc.first17)
			if !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
				t.Fatalf("CheckChar(%q) error = %v, want %v", tc.first17, err, tc.err)
			}
			if got != tc.want {
				t.Fatalf("CheckChar(%q) = %q, want %q", tc.first17, got, tc.want)
			}
		})
	}
}

// TestCheckCharExhaustiveSingleErrors builds codes for a spread of prefixes
// and checks the two properties the standard's check character is designed
// for: every single-character substitution and every swap of two adjacent
// different characters is detected (the weights are distinct powers of 3 in
// the field Z/31, so both change the sum by a non-multiple of 31).
func TestCheckCharExhaustiveSingleErrors(t *testing.T) {
	t.Parallel()
	prefixes := []string{"91350100M000100Y4", "91150600MA0N7QXX0", "12150600011234567", "Y1150600PQRTUWXY9"}
	for _, p := range prefixes {
		c, err := CheckChar(p)
		if err != nil {
			t.Fatalf("CheckChar(%q): %v", p, err)
		}
		if slow := checkCharSlow(p); slow != c {
			t.Fatalf("CheckChar(%q) = %c, independent computation %c", p, c, slow)
		}
		code := p + string(c)
		if err := Validate(code); err != nil {
			t.Fatalf("Validate(%q) = %v", code, err)
		}
		b := []byte(code)
		for i := range b {
			orig := b[i]
			for j := 0; j < len(Charset); j++ {
				if Charset[j] == orig {
					continue
				}
				b[i] = Charset[j]
				if err := Validate(string(b)); !errors.Is(err, ErrCheckDigit) {
					t.Errorf("substitution %q: Validate = %v, want ErrCheckDigit", b, err)
				}
			}
			b[i] = orig
		}
		for i := 0; i+1 < len(b); i++ {
			if b[i] == b[i+1] {
				continue
			}
			b[i], b[i+1] = b[i+1], b[i]
			if err := Validate(string(b)); !errors.Is(err, ErrCheckDigit) {
				t.Errorf("swap %q: Validate = %v, want ErrCheckDigit", b, err)
			}
			b[i], b[i+1] = b[i+1], b[i]
		}
	}
}

func FuzzValidate(f *testing.F) {
	for _, s := range []string{"", "91350100M000100Y43", "91350100M000100Y44", "９１", "91350100m000100y43", "\xff\xfe", "统一社会信用代码统一社会信用代码统一"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := Validate(s)
		// Exactly one kind, or none.
		kinds := 0
		for _, k := range []error{ErrLength, ErrCharset, ErrCheckDigit} {
			if errors.Is(err, k) {
				kinds++
			}
		}
		if (err == nil) == (kinds == 1) || kinds > 1 {
			t.Fatalf("Validate(%q) = %v matches %d kinds", s, err, kinds)
		}
		if err == nil {
			if len(s) != Length || checkCharSlow(s[:17]) != s[17] {
				t.Fatalf("Validate(%q) accepted an invalid code", s)
			}
		}
		// Normalize is idempotent and Validate agrees on its output.
		n := Normalize(s)
		if Normalize(n) != n {
			t.Fatalf("Normalize not idempotent on %q: %q then %q", s, n, Normalize(n))
		}
		if utf8.ValidString(s) && !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q is not valid UTF-8", s, n)
		}
		if err == nil && n != s {
			t.Fatalf("Normalize changed the valid code %q to %q", s, n)
		}
	})
}

package httpapi

import (
	"testing"

	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// FuzzDecodeStrict: any body either decodes or yields an error of the
// service's kinds; never a panic, never an internal error.
func FuzzDecodeStrict(f *testing.F) {
	for _, s := range []string{`{"username":"a","password":"b"}`, `{`, `[]`, `{"x":1}`, `{"username":1}`, `{} {}`, `null`, "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var dst struct {
			Username string   `json:"username"`
			Password string   `json:"password"`
			Tags     []string `json:"tags"`
			N        *int     `json:"n"`
		}
		err := decodeStrict(body, &dst)
		if err == nil {
			return
		}
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.KindInvalid {
			t.Fatalf("decodeStrict(%q) = %v, want an invalid-input error", body, err)
		}
	})
}

package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/silenceper/wechat/v2/util"
)

func TestWrap(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		err      error
		wantCode int64
		wantMsg  string
	}{
		"common error":      {err: util.NewCommonError("x", 43101, "user refuse to accept the msg"), wantCode: 43101, wantMsg: "user refuse to accept the msg"},
		"wrapped common":    {err: fmt.Errorf("outer: %w", util.NewCommonError("x", 40029, "invalid code")), wantCode: 40029, wantMsg: "invalid code"},
		"token text":        {err: errors.New("get access_token error : errcode=40125 , errormsg=invalid appsecret rid: 1"), wantCode: 40125, wantMsg: "invalid appsecret rid: 1"},
		"stable token text": {err: errors.New("get stable access_token error : errcode=42001 , errormsg=access_token expired"), wantCode: 42001, wantMsg: "access_token expired"},
		"code2session text": {err: errors.New("Code2Session error : errcode=40163 , errmsg=code been used"), wantCode: 40163, wantMsg: "code been used"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var ae *APIError
			if !errors.As(wrap("op", tc.err), &ae) {
				t.Fatalf("wrap(%v) is not an *APIError", tc.err)
			}
			if ae.Code != tc.wantCode || ae.Msg != tc.wantMsg || ae.Op != "op" {
				t.Fatalf("got %+v, want code %d msg %q", ae, tc.wantCode, tc.wantMsg)
			}
		})
	}

	t.Run("transport error loses its secrets, keeps its cause", func(t *testing.T) {
		t.Parallel()
		ue := &url.Error{Op: "Get", URL: "https://api.weixin.qq.com/sns/jscode2session?appid=wx1&secret=s3cr3t&js_code=c0de&grant_type=authorization_code", Err: context.DeadlineExceeded}
		err := wrap("code2session", ue)
		for _, leak := range []string{"s3cr3t", "c0de"} {
			if strings.Contains(err.Error(), leak) {
				t.Fatalf("error %q leaks %q", err, leak)
			}
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error %q lost its cause", err)
		}
	})

	t.Run("kinds", func(t *testing.T) {
		t.Parallel()
		for code, want := range map[int64]error{40029: ErrInvalidCode, 40163: ErrInvalidCode, 43101: ErrSubscriptionRefused} {
			if err := error(&APIError{Code: code}); !errors.Is(err, want) {
				t.Errorf("errcode %d is not %v", code, want)
			}
		}
		if errors.Is(&APIError{Code: 40001}, ErrInvalidCode) {
			t.Error("40001 counted as an invalid code")
		}
	})
}

func TestSplitRunes(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		in   string
		n    int
		want []string
	}{
		"empty":     {in: "", n: 3, want: nil},
		"short":     {in: "ab", n: 3, want: []string{"ab"}},
		"exact":     {in: "abc", n: 3, want: []string{"abc"}},
		"multibyte": {in: "违规测试文本", n: 4, want: []string{"违规测试", "文本"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := splitRunes(tc.in, tc.n)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) || len(got) != len(tc.want) {
				t.Fatalf("splitRunes(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
			}
			for _, p := range got {
				if !utf8.ValidString(p) {
					t.Fatalf("piece %q is not valid UTF-8", p)
				}
			}
		})
	}
}

func TestMaskID(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"": "", "short": "*****", "oABCDEFGHIJKLMN": "oAB***LMN"} {
		if got := maskID(in); got != want {
			t.Errorf("maskID(%q) = %q, want %q", in, got, want)
		}
	}
}

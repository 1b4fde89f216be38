package wechat

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/silenceper/wechat/v2/util"

	"github.com/ordos-wufei/wufei/internal/platform/wechat/internal/route"
)

// apiHost is where the SDK sends every mini-program request.
const apiHost = "api.weixin.qq.com"

// callKey is the context key under which a Client marks its requests.
type callKey struct{}

// call is what the shared transport needs to know about the Client behind a
// request.
type call struct {
	appID   string
	timeout time.Duration
}

var installOnce sync.Once

// installTransport replaces the SDK's package-level HTTP client with one that
// uses transport; see the package documentation for why and what it costs.
func installTransport() {
	installOnce.Do(func() {
		base := http.DefaultTransport.(*http.Transport).Clone()
		util.DefaultHTTPClient = &http.Client{Transport: &transport{base: base}}
	})
}

// transport applies the calling Client's timeout to each request and, in
// tests, sends it to the fake registered for the Client's AppID.
type transport struct {
	base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	c, _ := req.Context().Value(callKey{}).(call)
	timeout := c.timeout
	if timeout <= 0 {
		timeout = DefaultHTTPTimeout
	}

	fake, routed := route.Lookup(c.appID)
	routed = routed && c.appID != "" && req.URL.Host == apiHost
	if !routed && route.Offline() {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, fmt.Errorf("wechat: not sending to %s for app %q: a fake WeChat is in use in this process and none serves this app", req.URL.Host, c.appID)
	}

	ctx, cancel := context.WithTimeout(req.Context(), timeout)
	out := req.Clone(ctx)
	if routed {
		out.URL.Scheme = fake.Scheme
		out.URL.Host = fake.Host
		out.Host = fake.Host
	}
	resp, err := t.base.RoundTrip(out)
	if err != nil {
		cancel()
		return nil, err
	}
	// The deadline must cover reading the body too, so it ends only when the
	// caller closes it.
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// Package route is the process-wide table that sends the WeChat API requests
// of one AppID to a fake server instead of api.weixin.qq.com.
//
// The table is shared by the wechat client (which reads it in its HTTP
// transport) and wechattest (which fills it), because the SDK's HTTP client is
// a package-level variable: there is one transport per process, so routing has
// to be keyed by something every request carries — the AppID of the client that
// made it. Being internal, nothing outside internal/platform/wechat can reach it.
package route

import (
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
)

var (
	mu    sync.RWMutex
	fakes = map[string]*url.URL{}

	// offline is set once a fake exists in the process (that is, in tests) and
	// never cleared: from then on a request that no fake serves fails instead
	// of reaching the network.
	offline atomic.Bool
)

// Register sends the requests of appID to base until the returned function is
// called. It also switches the process to offline mode for good. It fails when
// appID is already routed, so two fakes can never share an AppID.
func Register(appID string, base *url.URL) (unregister func(), err error) {
	if appID == "" || base == nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("route: need an AppID and an absolute base URL")
	}
	offline.Store(true)

	mu.Lock()
	defer mu.Unlock()
	if _, ok := fakes[appID]; ok {
		return nil, fmt.Errorf("route: AppID %q is already served by another fake", appID)
	}
	fakes[appID] = base

	var once sync.Once
	return func() {
		once.Do(func() {
			mu.Lock()
			defer mu.Unlock()
			delete(fakes, appID)
		})
	}, nil
}

// Lookup returns the fake that serves appID, if any.
func Lookup(appID string) (*url.URL, bool) {
	mu.RLock()
	defer mu.RUnlock()
	u, ok := fakes[appID]
	return u, ok
}

// Offline reports whether a fake has ever been registered in this process, in
// which case unrouted requests must not reach the network.
func Offline() bool {
	return offline.Load()
}

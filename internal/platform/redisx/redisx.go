// Package redisx opens Redis: a server, Sentinel set or Cluster named by URL,
// or, with no URL, an in-process miniredis whose clock follows real time so
// that keys with a TTL really expire. Redis holds only what can be rebuilt or
// lost (sessions, rate limits, tokens, locks); never the only copy of a
// user's submission.
package redisx

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Options say which Redis to open.
type Options struct {
	// URL: redis:// or rediss:// for one server; a comma-separated list of
	// host:port for Sentinel (with MasterName) or Cluster. Empty: miniredis.
	URL        string
	MasterName string
	// Prefix of every key written through Key.
	Prefix string
	Logger *slog.Logger
}

// Client is a go-redis UniversalClient with the service's key prefix.
type Client struct {
	redis.UniversalClient
	// Prefix starts every key; tests use a unique prefix per test so they can
	// share one real Redis.
	Prefix string
	// Embedded is true when the client talks to the in-process miniredis.
	Embedded bool

	stop func()
}

// Key joins parts under the prefix: Key("sess", "abc") = "wufei:sess:abc".
func (c *Client) Key(parts ...string) string {
	return c.Prefix + strings.Join(parts, ":")
}

// Open connects and pings.
func Open(ctx context.Context, o Options) (*Client, error) {
	if o.URL == "" {
		return OpenEmbedded(o.Prefix), nil
	}
	var uc redis.UniversalClient
	switch {
	case strings.Contains(o.URL, "://"):
		opt, err := redis.ParseURL(o.URL)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		uc = redis.NewClient(opt)
	default:
		addrs := strings.Split(o.URL, ",")
		uc = redis.NewUniversalClient(&redis.UniversalOptions{Addrs: addrs, MasterName: o.MasterName})
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := uc.Ping(pctx).Err(); err != nil {
		_ = uc.Close()
		return nil, fmt.Errorf("ping redis: %w", err)
	}
	return &Client{UniversalClient: uc, Prefix: o.Prefix}, nil
}

// OpenEmbedded starts a miniredis in this process. A background ticker
// advances its clock with real time: miniredis only expires keys when told
// time has passed.
func OpenEmbedded(prefix string) *Client {
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		panic("miniredis: " + err.Error()) // binds 127.0.0.1:0; cannot fail short of no sockets
	}
	var mu sync.Mutex
	last := time.Now()
	m.SetTime(last)
	// advance moves miniredis's clock to now and expires what is due. It
	// returns how long that took under miniredis's one lock.
	advance := func() time.Duration {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		m.SetTime(now)
		m.FastForward(now.Sub(last))
		last = now
		return time.Since(now)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		// FastForward runs under miniredis's one lock and takes a whole
		// step off every TTL, so a key may expire up to one step early.
		// Upstream it sorted and walked every key (44 ms at 80,000 keys);
		// the patched miniredis (internal/third_party/miniredis) pops only
		// the keys that are due, about a microsecond when none is. It runs
		// every 100 ms; should a step ever cost more than 1 ms (a mass
		// expiry), the next comes later, keeping it near 1% of the time,
		// up to 1 s.
		t := time.NewTimer(tickMin)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				t.Reset(tickFor(advance()))
			}
		}
	}()
	// The client reaches miniredis over a Unix socket, which costs the
	// kernel less per round trip than loopback TCP (miniredis serves any
	// net.Conn); if none can be made, over its TCP address.
	opt := &redis.Options{Addr: m.Addr()}
	sockDir, ln := unixListener()
	if ln != nil {
		opt.Network, opt.Addr = "unix", ln.Addr().String()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				m.Server().ServeConn(conn)
			}
		}()
	}
	uc := redis.NewClient(opt)
	return &Client{
		UniversalClient: uc,
		Prefix:          prefix,
		Embedded:        true,
		stop: func() {
			close(done)
			if ln != nil {
				_ = ln.Close()
			}
			wg.Wait()
			m.Close()
			if sockDir != "" {
				_ = os.RemoveAll(sockDir)
			}
		},
	}
}

// Close closes the client and stops the embedded server.
func (c *Client) Close() error {
	err := c.UniversalClient.Close()
	if c.stop != nil {
		c.stop()
	}
	return err
}

// Steps of the embedded clock: between tickMin and tickMax, 100 times the
// cost of the last step.
const (
	tickMin = 100 * time.Millisecond
	tickMax = time.Second
)

func tickFor(cost time.Duration) time.Duration {
	return min(max(100*cost, tickMin), tickMax)
}

// unixListener listens on a new socket in a private temporary directory;
// nil when the system refuses.
func unixListener() (string, net.Listener) {
	dir, err := os.MkdirTemp("", "wufei-redis-")
	if err != nil {
		return "", nil
	}
	ln, err := net.Listen("unix", filepath.Join(dir, "redis.sock"))
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", nil
	}
	return dir, ln
}

package main

import (
	"context"
	"sync"
)

// openIDCache keeps citizens' openids by user id for the survey content
// check, which needs the respondent's openid on every submission with free
// text: without it each submission would read the user record. A
// citizen's user id derives from the openid, so an entry never goes stale;
// the map is emptied when it reaches max entries.
type openIDCache struct {
	lookup func(ctx context.Context, userID string) (string, error)
	max    int

	mu sync.Mutex
	m  map[string]string
}

func newOpenIDCache(max int, lookup func(ctx context.Context, userID string) (string, error)) *openIDCache {
	return &openIDCache{lookup: lookup, max: max, m: map[string]string{}}
}

// get returns the openid of userID.
func (c *openIDCache) get(ctx context.Context, userID string) (string, error) {
	c.mu.Lock()
	id, ok := c.m[userID]
	c.mu.Unlock()
	if ok {
		return id, nil
	}
	id, err := c.lookup(ctx, userID)
	if err != nil || id == "" {
		return id, err
	}
	c.mu.Lock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[userID] = id
	c.mu.Unlock()
	return id, nil
}

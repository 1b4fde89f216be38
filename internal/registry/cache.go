package registry

import (
	"context"
	"errors"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/ordos-wufei/wufei/internal/platform/redisx"
)

// snapshot caches the registry's documents. Reading 52 + 83 documents
// through the embedded store costs tens of milliseconds, and the public
// dashboard asks for them on every view; they change rarely. Every write
// bumps a generation counter in Redis, and a reader reuses the snapshot
// while the counter is unchanged, so all replicas see a write at once.
type snapshot struct {
	rdb *redisx.Client

	mu    sync.Mutex
	gen   int64
	valid bool
	inds  []indicatorDoc
	tasks []taskDoc
}

// EnableCache turns on the snapshot cache, coherent across replicas
// through rdb. Without it every read goes to the store.
func (s *Service) EnableCache(rdb *redisx.Client) { s.cache = &snapshot{rdb: rdb} }

func (c *snapshot) key() string { return c.rdb.Key("registry", "generation") }

func (c *snapshot) generation(ctx context.Context) (int64, error) {
	g, err := c.rdb.Get(ctx, c.key()).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return g, err
}

// changed is called after every successful write.
func (s *Service) changed(ctx context.Context) {
	if s.cache == nil {
		return
	}
	if err := s.cache.rdb.Incr(ctx, s.cache.key()).Err(); err != nil {
		// Fall back to no caching until Redis answers again.
		s.cache.mu.Lock()
		s.cache.valid = false
		s.cache.mu.Unlock()
		s.log.Warn("registry: cache generation not bumped", "err", err)
	}
	s.cache.mu.Lock()
	s.cache.valid = false
	s.cache.mu.Unlock()
}

// docs returns all indicator and task documents, from the snapshot when
// it is current. The generation is read before loading, so a write that
// lands during the load makes the next reader load again.
func (s *Service) docs(ctx context.Context) ([]indicatorDoc, []taskDoc, error) {
	var gen int64
	if c := s.cache; c != nil {
		g, err := c.generation(ctx)
		if err == nil {
			c.mu.Lock()
			if c.valid && c.gen == g {
				inds, tasks := c.inds, c.tasks
				c.mu.Unlock()
				return inds, tasks, nil
			}
			c.mu.Unlock()
			gen = g
		} else {
			s.log.Warn("registry: cache generation unreadable; reading the store", "err", err)
		}
	}
	inds, err := s.st.allIndicators(ctx)
	if err != nil {
		return nil, nil, err
	}
	tasks, err := s.st.allTasks(ctx)
	if err != nil {
		return nil, nil, err
	}
	if c := s.cache; c != nil {
		c.mu.Lock()
		c.gen, c.valid, c.inds, c.tasks = gen, true, inds, tasks
		c.mu.Unlock()
	}
	return inds, tasks, nil
}

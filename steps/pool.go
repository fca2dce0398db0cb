package steps

import (
	"context"
	"errors"
	"io"
	"sync"
)

// Pool keeps connections that every step of a run shares, such as the one
// CLI session per CUCM node. Keys are chosen by the action family
// ("cucm-cli/cucm-pub"). Opening different keys proceeds in parallel;
// callers asking for the same key wait for the one opener.
type Pool struct {
	mu      sync.Mutex
	entries map[string]*poolEntry
	closed  bool
}

type poolEntry struct {
	ready chan struct{}
	c     io.Closer
	err   error
}

// ErrPoolClosed is returned by Get after Close.
var ErrPoolClosed = errors.New("connection pool is closed")

// Get returns the open connection for key, opening it with open when there
// is none. A failed open is not kept: the next Get tries again.
func (p *Pool) Get(ctx context.Context, key string, open func(context.Context) (io.Closer, error)) (io.Closer, error) {
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, ErrPoolClosed
		}
		if p.entries == nil {
			p.entries = make(map[string]*poolEntry)
		}
		e, ok := p.entries[key]
		if !ok {
			e = &poolEntry{ready: make(chan struct{})}
			p.entries[key] = e
			p.mu.Unlock()
			return p.open(ctx, key, e, open)
		}
		p.mu.Unlock()

		select {
		case <-e.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err == nil {
			return e.c, nil
		}
		// The opener failed and removed the entry; try again ourselves.
	}
}

func (p *Pool) open(ctx context.Context, key string, e *poolEntry, open func(context.Context) (io.Closer, error)) (io.Closer, error) {
	e.c, e.err = open(ctx)
	if e.err == nil && e.c == nil {
		e.err = errors.New("opener returned no connection")
	}
	if e.err != nil {
		p.mu.Lock()
		delete(p.entries, key)
		p.mu.Unlock()
	}
	close(e.ready)
	return e.c, e.err
}

// Forget closes c and drops it from the pool if it is still the connection
// kept for key, so that the next Get opens a fresh one. Actions call it when
// a connection broke.
func (p *Pool) Forget(key string, c io.Closer) {
	p.mu.Lock()
	if e, ok := p.entries[key]; ok && e.c == c {
		select {
		case <-e.ready:
			delete(p.entries, key)
		default:
		}
	}
	p.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

// Close closes every connection and refuses new ones.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	entries := p.entries
	p.entries = nil
	p.mu.Unlock()

	var errs []error
	for _, e := range entries {
		<-e.ready
		if e.c != nil {
			errs = append(errs, e.c.Close())
		}
	}
	return errors.Join(errs...)
}

package discord

import (
	"context"
	"net"
	"sync"
	"time"
)

// flight owns the goroutines answering interactions.
type flight struct {
	mu     sync.Mutex
	wg     sync.WaitGroup
	closed bool
}

func (f *flight) go_(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		fn()
	}()
}

func (f *flight) wait() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.wg.Wait()
}

// connTracker dials every connection of a gateway session, so that ending
// Run can cut them all, including one a blocking discordgo call waits on.
type connTracker struct {
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

func (c *connTracker) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		conn.Close()
		return nil, net.ErrClosed
	}
	t := &trackedConn{Conn: conn, tracker: c}
	c.conns[t] = struct{}{}
	return t, nil
}

func (c *connTracker) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for conn := range c.conns {
		conn.(*trackedConn).Conn.Close()
	}
	clear(c.conns)
}

type trackedConn struct {
	net.Conn
	tracker *connTracker
	once    sync.Once
}

func (t *trackedConn) Close() error {
	t.once.Do(func() {
		t.tracker.mu.Lock()
		delete(t.tracker.conns, t)
		t.tracker.mu.Unlock()
	})
	return t.Conn.Close()
}

package cucmsim

import (
	"fmt"
	"net"
	"strconv"
	"sync"
)

// endpoint is one TCP listener of a node. It can go down (the port is
// closed, so connections are refused) and come up again on the same port,
// and it can be gated: while its gate is shut, connections are accepted and
// reset at once, as while the service behind it restarts.
type endpoint struct {
	name    string // ssh, https, api, callmanager, xmpp
	host    string
	serve   func(ln net.Listener) // runs until ln is closed
	service string                // the service that must run for the gate to open
	open    func() bool           // the gate; nil means always open

	mu    sync.Mutex
	port  int // the configured port until the first listen, then the real one
	ln    net.Listener
	conns map[net.Conn]struct{}
}

// addr is host:port.
func (e *endpoint) addr() string {
	return net.JoinHostPort(e.host, strconv.Itoa(e.port))
}

// listen opens the port and serves it on a goroutine started by spawn,
// which refuses once the cluster closes.
func (e *endpoint) listen(spawn func(func()) bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", e.addr())
	if err != nil {
		return fmt.Errorf("listen %s on %s: %w", e.name, e.addr(), err)
	}
	e.port = ln.Addr().(*net.TCPAddr).Port
	gl := &gatedListener{Listener: ln, e: e}
	if !spawn(func() { e.serve(gl) }) {
		ln.Close()
		return fmt.Errorf("listen %s on %s: the cluster is closed", e.name, e.addr())
	}
	e.ln = gl
	return nil
}

// reserve picks a free port for a port 0 without serving it, for a node
// that is down from the start. Another process may take the port
// meanwhile; listen then fails.
func (e *endpoint) reserve() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.port != 0 {
		return nil
	}
	ln, err := net.Listen("tcp", e.addr())
	if err != nil {
		return fmt.Errorf("listen %s on %s: %w", e.name, e.addr(), err)
	}
	e.port = ln.Addr().(*net.TCPAddr).Port
	return ln.Close()
}

// close closes the port and every connection.
func (e *endpoint) close() {
	e.mu.Lock()
	ln := e.ln
	e.ln = nil
	e.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	e.reset()
}

// reset closes every open connection, leaving the port open.
func (e *endpoint) reset() {
	e.mu.Lock()
	conns := make([]net.Conn, 0, len(e.conns))
	for c := range e.conns {
		conns = append(conns, c)
	}
	e.mu.Unlock()
	for _, c := range conns {
		abort(c)
	}
}

// abort closes a connection with a TCP reset rather than a clean close.
func abort(c net.Conn) {
	if tc, ok := c.(*trackedConn); ok {
		c = tc.Conn
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}

func (e *endpoint) track(c net.Conn, on bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !on {
		delete(e.conns, c)
		return
	}
	if e.conns == nil {
		e.conns = map[net.Conn]struct{}{}
	}
	e.conns[c] = struct{}{}
}

// gatedListener resets connections while its endpoint's gate is shut and
// tracks the others so that they can be closed.
type gatedListener struct {
	net.Listener
	e *endpoint
}

// Accept returns the next connection the gate lets through.
func (l *gatedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.e.open != nil && !l.e.open() {
			abort(c)
			continue
		}
		tc := &trackedConn{Conn: c, e: l.e}
		l.e.track(tc, true)
		return tc, nil
	}
}

// trackedConn forgets itself when closed.
type trackedConn struct {
	net.Conn
	e    *endpoint
	once sync.Once
}

// Close closes the connection once.
func (c *trackedConn) Close() error {
	var err error
	c.once.Do(func() {
		c.e.track(c, false)
		err = c.Conn.Close()
	})
	return err
}

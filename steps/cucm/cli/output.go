package cli

import (
	"context"
	"io"
	"sync"
	"time"
)

// output collects what the shell prints, fed by one reader goroutine.
type output struct {
	mu   sync.Mutex
	buf  []byte
	err  error         // why reading ended
	wake chan struct{} // signalled (capacity 1) on new data
	done chan struct{} // closed when reading ends
}

func newOutput() *output {
	return &output{wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// pump reads r until it fails.
func (o *output) pump(r io.Reader) {
	chunk := make([]byte, 32*1024)
	for {
		n, err := r.Read(chunk)
		if n > 0 {
			o.mu.Lock()
			o.buf = append(o.buf, chunk[:n]...)
			o.mu.Unlock()
			o.signal()
		}
		if err != nil {
			o.mu.Lock()
			o.err = err
			o.mu.Unlock()
			close(o.done)
			return
		}
	}
}

func (o *output) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// mark returns the current end of the output.
func (o *output) mark() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.buf)
}

// since returns the output from pos on.
func (o *output) since(pos int) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return string(o.buf[min(pos, len(o.buf)):])
}

// ended returns why reading ended, or nil while it goes on.
func (o *output) ended() error {
	select {
	case <-o.done:
		o.mu.Lock()
		defer o.mu.Unlock()
		return o.err
	default:
		return nil
	}
}

// event is what ended a wait.
type event int

const (
	gotData event = iota
	gotEnd
	gotCancel
	gotTimeout
)

// wait blocks until new output, the end of reading, the end of ctx or,
// when d > 0, d passing with nothing printed.
func (o *output) wait(ctx context.Context, d time.Duration) event {
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-o.wake:
		return gotData
	case <-o.done:
		return gotEnd
	case <-ctx.Done():
		return gotCancel
	case <-timeout:
		return gotTimeout
	}
}

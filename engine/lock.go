package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Holder says who holds a site's lock.
type Holder struct {
	RunID   string    `json:"run_id"`
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	User    string    `json:"user"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
}

// LockedError is returned when another process holds a site's lock.
type LockedError struct {
	// What names what is locked: "site lab-east", "runbook demo".
	What   string
	Holder Holder
}

func (e *LockedError) Error() string {
	h := e.Holder
	if h.PID == 0 {
		return fmt.Sprintf("%s is locked by another runbook process", e.What)
	}
	return fmt.Sprintf("%s is locked by run %s (%s, pid %d on %s, user %s, since %s); "+
		"one run per site at a time", e.What, h.RunID, h.Command, h.PID, h.Host, h.User,
		h.Since.Local().Format(time.RFC3339))
}

// Lock is a held site lock. The kernel releases it if the process dies, so
// a crash never leaves a site locked.
type Lock struct {
	f *os.File
}

// lockPath is the lock file for what a run locks (see lockKey).
func (s *Store) lockPath(key string) string {
	dir := s.LockDir
	if dir == "" {
		dir = filepath.Join(s.Dir, "locks")
	}
	return filepath.Join(dir, safeName(key)+".lock")
}

// Lock takes the lock called key, or returns a *LockedError naming the
// holder; what names the locked thing in the error.
func (s *Store) Lock(key, what string, h Holder) (*Lock, error) {
	path := s.lockPath(key)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, inputErr(fmt.Errorf("lock: %w", err))
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, inputErr(fmt.Errorf("lock: %w", err))
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			var held Holder
			data, _ := os.ReadFile(f.Name())
			_ = json.Unmarshal(data, &held)
			return nil, &LockedError{What: what, Holder: held}
		}
		return nil, fmt.Errorf("lock %s: %w", what, err)
	}
	data, _ := json.Marshal(h)
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt(data, 0)
	}
	return &Lock{f: f}, nil
}

// Release gives the lock up.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := l.f.Close()
	l.f = nil
	return err
}

// lockHeld reports whether a live process holds a lock naming the run.
func lockHeld(meta *RunMeta) bool {
	path := meta.LockFile
	if path == "" {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		var h Holder
		data, _ := os.ReadFile(path)
		return json.Unmarshal(data, &h) == nil && h.RunID == meta.RunID
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}

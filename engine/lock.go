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
	Site   string
	Holder Holder
}

func (e *LockedError) Error() string {
	h := e.Holder
	if h.PID == 0 {
		return fmt.Sprintf("site %s is locked by another runbook process", e.Site)
	}
	return fmt.Sprintf("site %s is locked by run %s (%s, pid %d on %s, user %s, since %s); "+
		"one run per site at a time", e.Site, h.RunID, h.Command, h.PID, h.Host, h.User,
		h.Since.Local().Format(time.RFC3339))
}

// Lock is a held site lock. The kernel releases it if the process dies, so
// a crash never leaves a site locked.
type Lock struct {
	f *os.File
}

// Lock takes the lock of site, or returns a *LockedError naming the holder.
func (s *Store) Lock(site string, h Holder) (*Lock, error) {
	dir := filepath.Join(s.Dir, "locks")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, safeName(site)+".lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			var held Holder
			data, _ := os.ReadFile(f.Name())
			_ = json.Unmarshal(data, &held)
			return nil, &LockedError{Site: site, Holder: held}
		}
		return nil, fmt.Errorf("lock %s: %w", site, err)
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
// The lock file is found through run.json's site or runbook.
func lockHeld(dir *RunDir) bool {
	meta, err := dir.ReadMeta()
	if err != nil {
		return false
	}
	name := "runbook-" + meta.Runbook.Name
	if meta.SiteName != "" {
		name = "site-" + meta.SiteName
	}
	path := filepath.Join(filepath.Dir(filepath.Dir(dir.Path)), "locks", safeName(name)+".lock")
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

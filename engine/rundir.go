package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/ucops/runbook/steps"
)

// Files of a run directory.
const (
	fileRunbook  = "runbook.yaml"
	fileMeta     = "run.json"
	fileJournal  = "journal.jsonl"
	fileState    = "state.json"
	dirArtifacts = "artifacts"
)

// Store is a state directory: runs/ holds one directory per run, locks/
// one lock file per site.
type Store struct {
	Dir string
	// LockDir holds the site locks; default Dir/locks. Point it at a
	// directory every user of the machine shares (the CLI uses the system
	// temporary directory) to keep one run per site across state
	// directories.
	LockDir string
}

// RunMeta is what a run pins when it starts (run.json): enough to resume
// it with the same runbook, params and inventory.
type RunMeta struct {
	RunID   string     `json:"run_id"`
	Created time.Time  `json:"created"`
	By      string     `json:"by"`
	Runbook RunbookRef `json:"runbook"`
	// Source is the RUNBOOK argument: an absolute path or a canned ref.
	Source string `json:"source"`
	// SiteFile is the site file's absolute path; empty without a site.
	SiteFile string       `json:"site_file,omitempty"`
	SiteName string       `json:"site_name,omitempty"`
	PlanHash string       `json:"plan_hash"`
	Params   []ParamState `json:"params"`
	// SecretParams name params whose values are not stored; resume takes
	// them from the site or --param again.
	SecretParams []string          `json:"secret_params,omitempty"`
	ParamFlags   []string          `json:"param_flags,omitempty"`
	Inventory    []steps.Node      `json:"inventory"`
	StepDigests  map[string]string `json:"step_digests"`
	// LockFile is the lock the run takes, so status can tell a live run
	// from a dead one.
	LockFile string `json:"lock_file,omitempty"`
	// ReadOnly is true when no step of the runbook changes the system.
	ReadOnly bool `json:"read_only,omitempty"`
}

// RunDir is the directory of one run.
type RunDir struct {
	ID   string
	Path string
}

// NewRun creates the directory of a new run named after the time and site.
func (s *Store) NewRun(label string, now time.Time) (*RunDir, error) {
	runs := filepath.Join(s.Dir, "runs")
	if err := os.MkdirAll(runs, 0o700); err != nil {
		return nil, inputErr(fmt.Errorf("state directory: %w", err))
	}
	base := now.UTC().Format("20060102-150405") + "-" + safeName(label)
	for i := 0; i < 100; i++ {
		id := base
		if i > 0 {
			id = fmt.Sprintf("%s-%d", base, i+1)
		}
		p := filepath.Join(runs, id)
		err := os.Mkdir(p, 0o700)
		if err == nil {
			if err := os.Mkdir(filepath.Join(p, dirArtifacts), 0o700); err != nil {
				return nil, err
			}
			return &RunDir{ID: id, Path: p}, syncDir(runs)
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("create run directory: %w", err)
		}
	}
	return nil, fmt.Errorf("create run directory: too many runs named %s", base)
}

func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '-'
	}, s)
	if s == "" {
		return "run"
	}
	return s
}

// Open returns the run called id, or the most recent run when id is "".
func (s *Store) Open(id string) (*RunDir, error) {
	if id == "" {
		ids, err := s.RunIDs()
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return nil, fmt.Errorf("no runs in %s", s.Dir)
		}
		id = ids[len(ids)-1]
	}
	if id != filepath.Base(id) || strings.HasPrefix(id, ".") {
		return nil, fmt.Errorf("bad run id %q", id)
	}
	p := filepath.Join(s.Dir, "runs", id)
	if _, err := os.Stat(filepath.Join(p, fileMeta)); err != nil {
		return nil, fmt.Errorf("no run %q in %s", id, s.Dir)
	}
	return &RunDir{ID: id, Path: p}, nil
}

// RunIDs returns the ids of every run, oldest first (by when they were
// created, then by id).
func (s *Store) RunIDs() ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(s.Dir, "runs"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	type run struct {
		id      string
		created time.Time
	}
	var runs []run
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		meta, err := (&RunDir{ID: e.Name(), Path: s.runPath(e.Name())}).ReadMeta()
		if err == nil {
			runs = append(runs, run{e.Name(), meta.Created})
		}
	}
	sort.Slice(runs, func(i, j int) bool {
		if !runs[i].created.Equal(runs[j].created) {
			return runs[i].created.Before(runs[j].created)
		}
		return runs[i].id < runs[j].id
	})
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = r.id
	}
	return ids, nil
}

func (s *Store) runPath(id string) string { return filepath.Join(s.Dir, "runs", id) }

// File returns the path of a file of the run.
func (r *RunDir) File(name string) string { return filepath.Join(r.Path, name) }

// ReadMeta reads run.json.
func (r *RunDir) ReadMeta() (*RunMeta, error) {
	data, err := os.ReadFile(r.File(fileMeta))
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", r.ID, err)
	}
	var m RunMeta
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("run %s: %s: %w", r.ID, fileMeta, err)
	}
	return &m, nil
}

// WriteAtomic replaces a file of the run: a temporary file is written and
// synced, renamed over the old one, and the directory synced, so a crash
// leaves either the old file or the new one.
func (r *RunDir) WriteAtomic(name string, data []byte) error {
	return writeAtomic(r.File(name), data)
}

func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o600)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// artifacts stores a run's files durably.
type artifacts struct {
	dir string
}

// Dir is the artifacts directory.
func (a *artifacts) Dir() string { return a.dir }

// Write stores data as name, atomically and synced.
func (a *artifacts) Write(name string, data []byte) (string, error) {
	if name == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") {
		return "", fmt.Errorf("artifact name %q: want a plain file name", name)
	}
	if err := os.MkdirAll(a.dir, 0o700); err != nil {
		return "", fmt.Errorf("artifacts: %w", err)
	}
	p := filepath.Join(a.dir, name)
	return p, writeAtomic(p, data)
}

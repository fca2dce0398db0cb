package engine

import (
	"errors"
	"io/fs"

	"github.com/ucops/runbook/engine/journal"
)

// Status returns the state of a run ("" for the most recent), replayed
// from its journal: the journal is the truth, state.json only a copy.
func Status(store *Store, l *Loader, id string) (*State, error) {
	dir, err := store.Open(id)
	if err != nil {
		return nil, inputErr(err)
	}
	st, _, err := replayRun(l, dir)
	return st, err
}

// replayRun loads a run's pinned runbook and replays its journal.
func replayRun(l *Loader, dir *RunDir) (*State, []journal.Record, error) {
	meta, err := dir.ReadMeta()
	if err != nil {
		return nil, nil, err
	}
	eff, err := l.Load(LoadOptions{Runbook: dir.File(fileRunbook), Inventory: meta.Inventory})
	if err != nil {
		return nil, nil, err
	}
	recs, err := readJournal(dir)
	if err != nil {
		return nil, nil, err
	}
	snap := replay(eff.stepIDs(), recs).snapshot(meta, eff)
	if snap.State == StateRunning && !lockHeld(meta) {
		// The process that ran it is gone: it crashed or was killed.
		snap.State = StateInterrupted
		snap.Next = "runbook resume " + meta.RunID
	}
	return &snap, recs, nil
}

// RunSummary is one line of `runbook runs`.
type RunSummary struct {
	RunID   string `json:"run_id"`
	Runbook string `json:"runbook"`
	Site    string `json:"site"`
	State   string `json:"state"`
	Started string `json:"started"`
	Updated string `json:"updated"`
}

// Runs lists every run of the state directory, oldest first.
func Runs(store *Store, l *Loader) ([]RunSummary, error) {
	ids, err := store.RunIDs()
	if err != nil {
		return nil, err
	}
	var out []RunSummary
	for _, id := range ids {
		dir := &RunDir{ID: id, Path: store.runPath(id)}
		st, _, err := replayRun(l, dir)
		if err != nil {
			out = append(out, RunSummary{RunID: id, State: "unreadable: " + err.Error()})
			continue
		}
		out = append(out, RunSummary{
			RunID: id, Runbook: st.Runbook.Name + "@" + st.Runbook.Version, Site: st.Site, State: st.State,
			Started: st.Started.Local().Format("2006-01-02 15:04:05"), Updated: st.Updated.Local().Format("2006-01-02 15:04:05"),
		})
	}
	return out, nil
}

// readJournal reads a run's journal; a run stopped before its journal was
// made has none, which reads as empty.
func readJournal(dir *RunDir) ([]journal.Record, error) {
	recs, err := journal.ReadFile(dir.File(fileJournal))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return recs, err
}

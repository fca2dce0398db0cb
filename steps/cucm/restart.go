package cucm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/parse"
)

// RestartInput is the input of cucm.service.restart.
type RestartInput struct {
	Access  `yaml:",inline"`
	Service string        `yaml:"service" required:"true" doc:"Service to restart, such as Cisco Tomcat."`
	Timeout time.Duration `yaml:"timeout" default:"15m" doc:"How long the service may take to reach STARTED."`
	Poll    time.Duration `yaml:"poll" default:"5s" doc:"How often to ask for its state after the restart command returned."`
}

// RestartResult is the output of cucm.service.restart.
type RestartResult struct {
	Service     string    `json:"service" doc:"Service name."`
	State       string    `json:"state" doc:"Final state: STARTED."`
	Took        string    `json:"took" doc:"Time from the restart command to STARTED, such as 41s."`
	TookSeconds float64   `json:"took_seconds" doc:"The same in seconds."`
	StartedAt   time.Time `json:"started_at" doc:"When the service was seen STARTED."`
}

func serviceRestartAction() steps.Action {
	return steps.Func[RestartInput, RestartResult]{
		Name:    "cucm.service.restart",
		Doc:     "Restarts a service on the node and waits until it is STARTED.",
		Mutates: true,
		Run:     restart,
		Check:   restarted,
	}.Action()
}

// errNotStarted ends the wait for STARTED.
var errNotStarted = errors.New("service did not start in time")

func restart(ctx context.Context, rt *steps.Runtime, in *RestartInput) (*RestartResult, error) {
	node, err := rt.Target()
	if err != nil {
		return nil, err
	}
	began := time.Now()
	wait, cancel := context.WithTimeoutCause(ctx, in.Timeout, errNotStarted)
	defer cancel()
	state, err := restartCommand(wait, rt, in)
	if err == nil && state != parse.Started {
		state, err = awaitStarted(wait, rt, in, state)
	}
	if errors.Is(context.Cause(wait), errNotStarted) && ctx.Err() == nil {
		return nil, fmt.Errorf("%s on %s did not reach STARTED within %s (last state %s)",
			in.Service, node.Name, in.Timeout, orUnknown(state))
	}
	if err != nil {
		return nil, err
	}
	res := &RestartResult{Service: in.Service, State: state, StartedAt: time.Now().UTC()}
	res.TookSeconds = time.Since(began).Seconds()
	res.Took = since(began).String()
	rt.Progress("%s %s: %s STARTED after %s (attempt %d)", rt.Step, node.Name, in.Service,
		res.Took, max(rt.Attempt, 1))
	return res, recordRestart(rt, node.Name, res)
}

// restartCommand runs the restart and returns the last state it printed.
func restartCommand(ctx context.Context, rt *steps.Runtime, in *RestartInput) (string, error) {
	cmd := "utils service restart " + in.Service
	out, err := change(ctx, rt, in.Access, cmd)
	if err != nil {
		if errors.Is(context.Cause(ctx), errNotStarted) {
			return lastState(out, in.Service), err
		}
		return "", err
	}
	c, err := parse.ServiceChange(out, in.Service)
	if err != nil {
		return "", fmt.Errorf("%s on %s: %w", cmd, rt.Node.Name, err)
	}
	if c.Failed && c.Final == parse.Failed {
		return c.Final, fmt.Errorf("%s on %s failed: %s; %s", cmd, rt.Node.Name, failure(c),
			failedRestart(ctx, rt, in))
	}
	if c.Failed {
		return c.Final, fmt.Errorf("%s on %s failed: %s", cmd, rt.Node.Name, failure(c))
	}
	rt.Progress("%s: %s %s", rt.Node.Name, in.Service, c.Final)
	return c.Final, nil
}

func failure(c parse.Change) string {
	switch {
	case c.Final == parse.Failed:
		return fmt.Sprintf("%s[%s]", c.Service, c.Final)
	case c.Message != "" && c.Final != "":
		return fmt.Sprintf("%s[%s]  %s", c.Service, c.Final, c.Message)
	}
	return c.Message
}

// failedRestart says what a restart that ended in FAILED left behind: the
// service's state now (read once), what that means for the node, and what
// to do.
func failedRestart(ctx context.Context, rt *steps.Runtime, in *RestartInput) string {
	node := rt.Node.Name
	state, err := serviceState(ctx, rt, in.Access, in.Service)
	now := fmt.Sprintf("%s is %s on %s now", in.Service, state, node)
	switch {
	case err != nil:
		now = fmt.Sprintf("%s is probably stopped on %s (its state could not be read: %v)",
			in.Service, node, err)
	case state == parse.Started:
		return fmt.Sprintf("%s is STARTED on %s again: resume restarts it once more",
			in.Service, node)
	}
	return fmt.Sprintf("%s%s: find the cause (utils service list, the service's logs), start it "+
		"(utils service start %s), then resume", now, downMeans(in.Service, node), in.Service)
}

// downMeans says what a service that is down takes away from a node.
func downMeans(service, node string) string {
	switch strings.ToLower(service) {
	case "cisco tomcat":
		return fmt.Sprintf(", so the web pages and the REST API of %s are down until it "+
			"starts", node)
	case "cisco callmanager":
		return fmt.Sprintf(", so %s handles no calls or registrations until it starts (its phones "+
			"fail over to the next node of their CallManager group)", node)
	case "cisco tftp":
		return fmt.Sprintf(", so phones cannot download their configuration files from %s "+
			"until it starts", node)
	}
	return ""
}

func lastState(out, service string) string {
	c, _ := parse.ServiceChange(out, service)
	return c.Final
}

func orUnknown(state string) string {
	if state == "" {
		return "unknown"
	}
	return state
}

// awaitStarted polls utils service list until the service is STARTED,
// returning the last state seen.
func awaitStarted(ctx context.Context, rt *steps.Runtime, in *RestartInput,
	last string) (string, error) {
	tick := time.NewTicker(in.Poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return last, context.Cause(ctx)
		case <-tick.C:
		}
		state, err := serviceState(ctx, rt, in.Access, in.Service)
		if err != nil {
			return last, err
		}
		if state != last {
			rt.Progress("%s: %s %s", rt.Node.Name, in.Service, state)
		}
		if last = state; state == parse.Started {
			return state, nil
		}
	}
}

// serviceState reads one service's state.
func serviceState(ctx context.Context, rt *steps.Runtime, acc Access,
	service string) (string, error) {
	list, err := readParsed(ctx, rt, acc, "utils service list", parse.Services)
	if err != nil {
		return "", err
	}
	s, ok := parse.Find(list, service)
	if !ok {
		return "", fmt.Errorf("%s does not list %s", rt.Node.Name, service)
	}
	return s.State, nil
}

// restartRecord is the evidence a restart leaves in the run's artifacts,
// for change records and for Check.
type restartRecord struct {
	Step    string        `json:"step"`
	Node    string        `json:"node"`
	Result  RestartResult `json:"result"`
	Attempt int           `json:"attempt"`
}

func restartArtifact(step, node, service string) string {
	slug := strings.ToLower(strings.Join(strings.Fields(service), "-"))
	return fmt.Sprintf("%s.%s.restart-%s.json", step, node, slug)
}

func recordRestart(rt *steps.Runtime, node string, res *RestartResult) error {
	if rt.Artifacts == nil {
		return nil
	}
	data, err := json.MarshalIndent(restartRecord{Step: rt.Step, Node: node, Result: *res,
		Attempt: rt.Attempt}, "", "  ")
	if err != nil {
		return err
	}
	_, err = rt.Artifacts.Write(restartArtifact(rt.Step, node, res.Service), data)
	return err
}

// restarted is the Check of cucm.service.restart: done when the service is
// STARTED and this step recorded it STARTED after the step began, or when
// it is seen restarting now - after the step began - and then reaches
// STARTED (a restart the engine left running when it stopped).
func restarted(ctx context.Context, rt *steps.Runtime, in *RestartInput) (steps.Check, error) {
	state, err := serviceState(ctx, rt, in.Access, in.Service)
	if err != nil {
		return steps.Check{}, err
	}
	node := rt.Node.Name
	if (state == parse.Stopping || state == parse.Starting) && !rt.Planning {
		return restartInProgress(ctx, rt, in, state)
	}
	if state != parse.Started {
		return steps.Check{State: steps.NotDone,
			Detail: fmt.Sprintf("%s is %s on %s", in.Service, state, node)}, nil
	}
	if rec, ok := readRestart(rt, node, in.Service); ok && !rec.Result.StartedAt.Before(rt.Began) {
		res := rec.Result
		return steps.Check{State: steps.Done, Result: &res, Detail: fmt.Sprintf(
			"%s STARTED on %s at %s, after the step began", in.Service, node,
			res.StartedAt.Format(time.TimeOnly))}, nil
	}
	return steps.Check{State: steps.Unknown, Detail: fmt.Sprintf("%s is STARTED on %s, but "+
		"nothing shows it restarted since the step began at %s (the CLI does not tell when a "+
		"service started)", in.Service, node, rt.Began.Format(time.TimeOnly))}, nil
}

// restartInProgress waits for a restart seen in progress to end: one that
// reaches STARTED happened after the step began, so it is done; else not.
func restartInProgress(ctx context.Context, rt *steps.Runtime, in *RestartInput,
	seen string) (steps.Check, error) {
	state, err := awaitSettled(ctx, rt, in, seen)
	if err != nil {
		return steps.Check{}, err
	}
	if state != parse.Started {
		return steps.Check{State: steps.NotDone, Detail: fmt.Sprintf("%s was %s on %s and "+
			"then %s", in.Service, seen, rt.Node.Name, state)}, nil
	}
	// When the restart command was sent is not known, so Took stays empty.
	res := &RestartResult{Service: in.Service, State: state, StartedAt: time.Now().UTC()}
	return steps.Check{State: steps.Done, Result: res, Detail: fmt.Sprintf("%s was %s on %s "+
		"when checked, after the step began, and then STARTED", in.Service, seen,
		rt.Node.Name)}, nil
}

// awaitSettled polls the service until it is neither STOPPING nor
// STARTING, and returns that state.
func awaitSettled(ctx context.Context, rt *steps.Runtime, in *RestartInput,
	state string) (string, error) {
	tick := time.NewTicker(in.Poll)
	defer tick.Stop()
	for state == parse.Stopping || state == parse.Starting {
		select {
		case <-ctx.Done():
			return state, fmt.Errorf("%s on %s is still %s: %w", in.Service, rt.Node.Name,
				state, context.Cause(ctx))
		case <-tick.C:
		}
		var err error
		if state, err = serviceState(ctx, rt, in.Access, in.Service); err != nil {
			return state, err
		}
	}
	return state, nil
}

func readRestart(rt *steps.Runtime, node, service string) (restartRecord, bool) {
	var rec restartRecord
	if rt.Artifacts == nil {
		return rec, false
	}
	name := restartArtifact(rt.Step, node, service)
	data, err := os.ReadFile(filepath.Join(rt.Artifacts.Dir(), name))
	if err != nil || json.Unmarshal(data, &rec) != nil {
		return rec, false
	}
	return rec, true
}

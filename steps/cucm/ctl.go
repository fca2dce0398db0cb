package cucm

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/cli"
	"github.com/ucops/runbook/steps/cucm/parse"
)

// CTLInput is the input of cucm.ctl.update.
type CTLInput struct {
	Access `yaml:",inline"`
}

// CTLResult is the output of cucm.ctl.update.
type CTLResult struct {
	Message string `json:"message" doc:"The line saying the CTL file was updated."`
	Restart string `json:"restart" doc:"The CLI's advice on the services to restart."`
	Records int    `json:"records" doc:"Number of records in the CTL file afterwards."`
}

func ctlUpdateAction() steps.Action {
	return steps.Func[CTLInput, CTLResult]{
		Name: "cucm.ctl.update",
		Doc: "Updates the CTL file of a mixed-mode cluster, tokenless (utils ctl update " +
			"CTLFile, on the publisher).",
		Mutates: true,
		Run:     ctlUpdate,
		Check:   ctlUpdated,
	}.Action()
}

func ctlUpdate(ctx context.Context, rt *steps.Runtime, in *CTLInput) (*CTLResult, error) {
	const cmd = "utils ctl update CTLFile"
	out, err := change(ctx, rt, in.Access, cmd,
		cli.Answer{Question: "Do you want to continue", Reply: "y"})
	if err != nil {
		return nil, err
	}
	u, err := parse.CTLUpdated(out)
	if err != nil {
		return nil, fmt.Errorf("%s on %s: %w", cmd, rt.Node.Name, err)
	}
	res := &CTLResult{Message: u.Message, Restart: u.Restart}
	if ctl, err := readParsed(ctx, rt, in.Access, "show ctl", parse.CTLFile); err == nil {
		res.Records = len(ctl.Records)
	}
	rt.Progress("%s: %s", rt.Node.Name, u.Message)
	return res, nil
}

// ctlUpdated is the Check of cucm.ctl.update: done when the CTL file was
// modified after the step began.
func ctlUpdated(ctx context.Context, rt *steps.Runtime, in *CTLInput) (steps.Check, error) {
	ctl, err := readParsed(ctx, rt, in.Access, "show ctl", parse.CTLFile)
	if err != nil {
		return steps.Check{}, err
	}
	if ctl.Missing {
		return steps.Check{State: steps.NotDone, Detail: "the node has no CTL file"}, nil
	}
	when, exact, err := javaTime(ctl.Modified)
	if err != nil {
		return steps.Check{State: steps.Unknown,
			Detail: fmt.Sprintf("CTL file modified %q, a time this step cannot read", ctl.Modified)}, nil
	}
	detail := fmt.Sprintf("CTL file last modified on %s; the step began at %s",
		ctl.Modified, rt.Began.UTC().Format(time.UnixDate))
	return steps.Check{State: compareTimes(when, rt.Began, exact), Detail: detail}, nil
}

// javaTime reads a date as Java prints it ("Mon Jan 06 10:00:00 UTC
// 2025"). exact is false when the zone is an abbreviation Go cannot place,
// so the time may be off by the zone's offset.
func javaTime(s string) (time.Time, bool, error) {
	t, err := time.Parse("Mon Jan _2 15:04:05 MST 2006", strings.Join(strings.Fields(s), " "))
	if err != nil {
		return t, false, err
	}
	name, offset := t.Zone()
	exact := offset != 0 || name == "UTC" || name == "GMT"
	return t, exact, nil
}

// compareTimes tells whether t (to the second) is at or after began:
// without an exact zone only a difference beyond any zone offset counts.
func compareTimes(t, began time.Time, exact bool) steps.CheckState {
	slack := time.Duration(0)
	if !exact {
		slack = 14 * time.Hour
	}
	began = began.Truncate(time.Second)
	switch {
	case !t.Before(began.Add(slack)):
		return steps.Done
	case t.Before(began.Add(-slack)):
		return steps.NotDone
	}
	return steps.Unknown
}

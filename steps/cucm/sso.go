package cucm

import (
	"context"
	"fmt"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/cli"
	"github.com/ucops/runbook/steps/cucm/parse"
)

// SSOInput is the input of cucm.sso.status and cucm.sso.disable.
type SSOInput struct {
	Access `yaml:",inline"`
}

// SSOResult is the output of cucm.sso.status and cucm.sso.disable.
type SSOResult struct {
	Enabled bool   `json:"enabled" doc:"Whether SAML SSO is enabled on the cluster."`
	Status  string `json:"status" doc:"The status the CLI printed, such as SAML SSO Enabled."`
	Test    string `json:"test_status" doc:"The SAML SSO test status, when SSO is enabled."`
}

func ssoStatusAction() steps.Action {
	return steps.Func[SSOInput, SSOResult]{
		Name: "cucm.sso.status",
		Doc:  "Reads whether SAML SSO is enabled on the cluster (utils sso status).",
		Run:  ssoStatus,
	}.Action()
}

func ssoStatus(ctx context.Context, rt *steps.Runtime, in *SSOInput) (*SSOResult, error) {
	s, err := readParsed(ctx, rt, in.Access, "utils sso status", parse.SSOStatus)
	if err != nil {
		return nil, err
	}
	return &SSOResult{Enabled: s.Enabled, Status: s.Status, Test: s.Test}, nil
}

func ssoDisableAction() steps.Action {
	return steps.Func[SSOInput, SSOResult]{
		Name: "cucm.sso.disable",
		Doc: "Disables SAML SSO on every node of the cluster (utils sso disable, on the " +
			"publisher); re-enabling it is done in the GUI, with the metadata re-exported.",
		Mutates: true,
		Run:     ssoDisable,
		Check:   ssoDisabled,
	}.Action()
}

func ssoDisable(ctx context.Context, rt *steps.Runtime, in *SSOInput) (*SSOResult, error) {
	const cmd = "utils sso disable"
	out, err := change(ctx, rt, in.Access, cmd,
		cli.Answer{Question: "Do you wish to proceed", Reply: "yes"})
	if err != nil {
		return nil, err
	}
	line, err := parse.SSODisabled(out)
	if err != nil {
		return nil, fmt.Errorf("%s on %s: %w", cmd, rt.Node.Name, err)
	}
	rt.Progress("%s: %s", rt.Node.Name, line)
	return ssoStatus(ctx, rt, in)
}

func ssoDisabled(ctx context.Context, rt *steps.Runtime, in *SSOInput) (steps.Check, error) {
	res, err := ssoStatus(ctx, rt, in)
	if err != nil {
		return steps.Check{}, err
	}
	if res.Enabled {
		return steps.Check{State: steps.NotDone, Detail: "SSO status: " + res.Status}, nil
	}
	return steps.Check{State: steps.Done, Detail: "SSO status: " + res.Status, Result: res}, nil
}

package engine

import (
	"context"
	"time"

	"github.com/ucops/runbook/steps"
)

// The actions of the engine's own tests: small, but typed like real ones.

type restartIn struct {
	Service string        `yaml:"service" required:"true" doc:"Service to restart."`
	Wait    bool          `yaml:"wait" default:"true" doc:"Wait for STARTED."`
	Count   int           `yaml:"count" doc:"How many times."`
	Within  time.Duration `yaml:"within" doc:"Deadline."`
	Mode    string        `yaml:"mode" enum:"soft,hard" doc:"How."`
}

type restartOut struct {
	State       string  `json:"state" doc:"Service state."`
	TookSeconds float64 `json:"took_seconds" doc:"Time taken."`
}

type statusIn struct {
	Services []string `yaml:"services" doc:"Services, all when empty."`
}

type service struct {
	Name  string `json:"name"`
	State string `json:"state"`
}

type statusOut struct {
	Enabled  bool      `json:"enabled"`
	Version  string    `json:"version"`
	Services []service `json:"services"`
}

func testRegistry() *steps.Registry {
	reg, err := steps.NewRegistry(
		steps.Func[restartIn, restartOut]{
			Name: "test.restart", Doc: "Restart a service.", Mutates: true,
			Run: func(ctx context.Context, rt *steps.Runtime, in *restartIn) (*restartOut, error) {
				return &restartOut{State: "STARTED"}, nil
			},
		}.Action(),
		steps.Func[statusIn, statusOut]{
			Name: "test.status", Doc: "Read status.",
			Run: func(ctx context.Context, rt *steps.Runtime, in *statusIn) (*statusOut, error) {
				return &statusOut{Version: "14.0.1.12900-161"}, nil
			},
		}.Action(),
	)
	if err != nil {
		panic(err)
	}
	return reg
}

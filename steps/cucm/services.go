package cucm

import (
	"context"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/parse"
)

// ServiceStatusInput is the input of cucm.service.status.
type ServiceStatusInput struct {
	Access   `yaml:",inline"`
	Services []string `yaml:"services" doc:"Services to report, such as Cisco Tomcat; every service when omitted."`
}

// Service is one service of a node.
type Service struct {
	Name      string `json:"name" doc:"Service name as the CLI prints it."`
	State     string `json:"state" doc:"STARTED, STOPPED, STARTING or STOPPING."`
	Reason    string `json:"reason" doc:"Text after the state, such as Service Not Activated."`
	Activated bool   `json:"activated" doc:"Whether the service is activated on the node."`
	System    bool   `json:"system" doc:"Whether it is a platform service."`
}

// ServiceStatusResult is the output of cucm.service.status.
type ServiceStatusResult struct {
	Services   []Service         `json:"services" doc:"The services asked for (or all), in order."`
	States     map[string]string `json:"states" doc:"State by service name, as asked for."`
	AllStarted bool              `json:"all_started" doc:"Whether every service asked for (or every activated one) is STARTED."`
	NotStarted []string          `json:"not_started" doc:"Services asked for (or activated ones) that are not STARTED."`
	Missing    []string          `json:"missing" doc:"Services asked for that the node does not list."`
}

func serviceStatusAction() steps.Action {
	return steps.Func[ServiceStatusInput, ServiceStatusResult]{
		Name: "cucm.service.status",
		Doc:  "Reads the state of the node's services (utils service list).",
		Run:  serviceStatus,
	}.Action()
}

func serviceStatus(ctx context.Context, rt *steps.Runtime,
	in *ServiceStatusInput) (*ServiceStatusResult, error) {
	list, err := readParsed(ctx, rt, in.Access, "utils service list", parse.Services)
	if err != nil {
		return nil, err
	}
	res := &ServiceStatusResult{Services: []Service{}, States: map[string]string{},
		NotStarted: []string{}, Missing: []string{}}
	if len(in.Services) == 0 {
		for _, s := range list {
			res.add(s, s.Name, s.Activated())
		}
	}
	for _, name := range in.Services {
		s, ok := parse.Find(list, name)
		if !ok {
			res.Missing = append(res.Missing, name)
			continue
		}
		res.add(s, name, true)
	}
	res.AllStarted = len(res.NotStarted) == 0 && len(res.Missing) == 0
	return res, nil
}

// add reports s under the name it was asked for; counted services that are
// not STARTED go to NotStarted.
func (r *ServiceStatusResult) add(s parse.Service, asked string, counted bool) {
	r.Services = append(r.Services, Service{Name: s.Name, State: s.State, Reason: s.Reason,
		Activated: s.Activated(), System: s.System})
	r.States[asked] = s.State
	if counted && s.State != parse.Started {
		r.NotStarted = append(r.NotStarted, asked)
	}
}

package cucmsim

import (
	"errors"
	"time"
)

// progressRepeat is how often a service operation reprints the state it
// waits in, as the CLI does during a long restart.
const progressRepeat = 2 * time.Second

const (
	restartWarning = "Do not press Ctrl+C while the service is restarting. " +
		"If the service has not restarted properly, execute the same command again."
	restartWarningOld = "Don't press Ctrl-c while the service is getting RESTARTED." +
		"If Service has not Restarted Properly, execute the same Command Again"
)

// serviceList is "utils service list".
func (s *session) serviceList(call) outcome {
	s.println("Requesting service status, please wait...")
	s.cl.mu.Lock()
	var managed []string
	for _, svc := range s.n.services {
		if svc.system {
			s.println(svc.line())
		} else {
			managed = append(managed, svc.line())
		}
	}
	s.cl.mu.Unlock()
	s.println("Service Manager is running", "Getting list of all services",
		">> Return code = 0")
	s.println(managed...)
	if s.n.dbPub {
		s.println("Primary Node =true")
	} else {
		s.println("Primary Node =false")
	}
	return done()
}

func (s *session) serviceStart(c call) outcome   { return s.serviceOp(c, opStart) }
func (s *session) serviceStop(c call) outcome    { return s.serviceOp(c, opStop) }
func (s *session) serviceRestart(c call) outcome { return s.serviceOp(c, opRestart) }

// serviceOp runs "utils service start|stop|restart NAME" and prints the
// states the service passes through as they happen.
func (s *session) serviceOp(c call, op string) outcome {
	if op == opRestart {
		if s.cl.rel.oldRestartWording() {
			s.println(restartWarningOld)
		} else {
			s.println(restartWarning)
		}
	}
	s.println("Service Manager is running")
	name, states, err := s.cl.serviceOp(s.n, c.rest, op, c.fail)
	switch {
	case errors.Is(err, errNoService):
		s.printf("Invalid service name: %s", c.rest)
		return failure(err)
	case errors.Is(err, errNotActivated):
		s.printf("%s[%s]  %s", name, stopped, reasonNotActivated)
		return failure(err)
	}
	return s.follow(name, states)
}

// follow prints each state until the operation ends, repeating the
// current one while it lasts. If the session ends first the operation
// goes on without it.
func (s *session) follow(name string, states <-chan string) outcome {
	tick := time.NewTicker(progressRepeat)
	defer tick.Stop()
	last := ""
	for {
		select {
		case st, ok := <-states:
			if !ok {
				return serviceOutcome(name, last)
			}
			last = st
			s.printf("%s[%s]", name, st)
		case <-tick.C:
			s.printf("%s[%s]", name, last)
		case <-s.ctx.Done():
			return outcome{result: ResultFailed, detail: "session closed", exit: true}
		}
		if err := s.flush(); err != nil {
			return broken(err)
		}
	}
}

func serviceOutcome(name, last string) outcome {
	if last == failed {
		return outcome{result: ResultFailed, detail: name + " failed to start"}
	}
	return done()
}

// ssoStatus is "utils sso status".
func (s *session) ssoStatus(call) outcome {
	s.cl.mu.Lock()
	sso := s.cl.sso
	s.cl.mu.Unlock()
	if !sso.enabled {
		s.println("SSO Status: SAML SSO Disabled")
		return done()
	}
	date := javaDate(sso.since)
	s.println("SSO Status: SAML SSO Enabled",
		"IdP Metadata Imported Date = "+date,
		"SP Metadata Exported Date = "+date,
		"SSO Test Result Date = "+date,
		"SAML SSO Test Status = passed")
	return done()
}

// ssoDisable is "utils sso disable": cluster-wide, from the publisher.
func (s *session) ssoDisable(call) outcome {
	if !s.n.pub {
		s.println("This command can be executed only on the publisher node.")
		return failure(errors.New("not the publisher"))
	}
	s.cl.mu.Lock()
	enabled := s.cl.sso.enabled
	s.cl.mu.Unlock()
	if !enabled {
		s.println("SAML SSO is already disabled.")
		return done()
	}
	s.println(" *** W A R N I N G ***",
		"This command will disable SAML SSO on all the nodes in the cluster.")
	yes, err := s.confirm("Do you wish to proceed (yes|no)?")
	if err != nil {
		return broken(err)
	}
	if !yes {
		return aborted()
	}
	s.cl.mu.Lock()
	s.cl.sso = ssoState{since: s.cl.now()}
	s.cl.mu.Unlock()
	s.println("SSO disable is in progress...",
		"SAML SSO disabled successfully on all the nodes in the cluster.")
	return done()
}

// javaDate formats a time as Java's Date.toString, as the platform prints.
func javaDate(t time.Time) string {
	return t.UTC().Format("Mon Jan 02 15:04:05 MST 2006")
}

package engine

import (
	"errors"
	"fmt"
	"go.yaml.in/yaml/v3"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ucops/runbook/steps"
)

// Secrets says how secret values are obtained when a run starts.
type Secrets struct {
	// Getenv reads environment variables; os.Getenv when nil.
	Getenv func(string) string
	// Prompt asks a person for a secret with the given label; nil when
	// there is no terminal.
	Prompt func(label string) (string, error)
}

func (s Secrets) getenv(name string) string {
	if s.Getenv != nil {
		return s.Getenv(name)
	}
	return os.Getenv(name)
}

// read returns the secret a reference points to.
func (s Secrets) read(ref *SecretRef, siteDir, what string) (string, error) {
	switch {
	case ref.Env != "":
		v := s.getenv(ref.Env)
		if v == "" {
			return "", fmt.Errorf("%s: environment variable %s is not set", what, ref.Env)
		}
		return v, nil
	case ref.File != "":
		p := ref.File
		if !filepath.IsAbs(p) {
			p = filepath.Join(siteDir, p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return "", fmt.Errorf("%s: %w", what, err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	case ref.Prompt != "":
		if s.Prompt == nil {
			return "", fmt.Errorf("%s: needs a prompt, and there is no terminal; use {env: NAME} or {file: PATH}", what)
		}
		v, err := s.Prompt(ref.Prompt)
		if err != nil {
			return "", fmt.Errorf("%s: %w", what, err)
		}
		return v, nil
	}
	return "", fmt.Errorf("%s: no source given", what)
}

// credentialSet is the site's credentials, resolved.
type credentialSet struct {
	m map[string]steps.Credential
}

// Credential returns the credential called name.
func (c *credentialSet) Credential(name string) (steps.Credential, error) {
	if cred, ok := c.m[name]; ok {
		return cred, nil
	}
	names := make([]string, 0, len(c.m))
	for n := range c.m {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return steps.Credential{}, fmt.Errorf("no credential %q: the site defines none", name)
	}
	return steps.Credential{}, fmt.Errorf("no credential %q in the site (it has %s)", name, strings.Join(names, ", "))
}

// resolveCredentials reads every credential of the site and registers the
// secrets with the redactor. All problems are reported at once.
func resolveCredentials(site *Site, sec Secrets, red *Redactor) (*credentialSet, error) {
	set := &credentialSet{m: map[string]steps.Credential{}}
	if site == nil {
		return set, nil
	}
	dir := filepath.Dir(site.File)
	var errs []error
	for _, e := range site.Credentials.Entries {
		c := steps.Credential{Username: e.Value.Username}
		if ref := e.Value.Password; ref != nil {
			v, err := sec.read(ref, dir, fmt.Sprintf("credential %s password", e.Name))
			errs = append(errs, err)
			red.Add(v)
			c.Password = v
		}
		if ref := e.Value.PrivateKey; ref != nil {
			v, err := sec.read(ref, dir, fmt.Sprintf("credential %s private key", e.Name))
			errs = append(errs, err)
			red.Add(v)
			c.PrivateKey = []byte(v)
		}
		set.m[e.Name] = c
	}
	return set, errors.Join(errs...)
}

// resolveSecretParams reads the values of secret params given by
// reference and registers every secret param value with the redactor.
func resolveSecretParams(eff *Effective, sec Secrets, red *Redactor) error {
	dir := ""
	if eff.Site != nil {
		dir = filepath.Dir(eff.Site.File)
	}
	var errs []error
	for i := range eff.Params {
		p := &eff.Params[i]
		if !p.Secret {
			continue
		}
		if p.Ref != nil {
			v, err := sec.read(p.Ref, dir, "param "+p.Name)
			errs = append(errs, err)
			p.Value = v
			red.Add(v)
			if decl, ok := eff.Runbook.Params.Get(p.Name); ok && err == nil {
				if _, problem := paramValue(&decl, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}); problem != "" {
					errs = append(errs, fmt.Errorf("param %s: %s", p.Name, problem))
				}
			}
		}
		if s, ok := p.Value.(string); ok {
			red.Add(s)
		}
	}
	return errors.Join(errs...)
}

// sshSettings turns the site's host key policy into what actions see.
func sshSettings(site *Site) steps.SSHSettings {
	if site == nil {
		return steps.SSHSettings{}
	}
	c := site.Credentials
	kh := c.KnownHosts
	if kh != "" && !filepath.IsAbs(kh) {
		kh = filepath.Join(filepath.Dir(absPath(site.File)), kh)
	}
	return steps.SSHSettings{KnownHosts: kh, AcceptNewHostKeys: c.AcceptNewHostKeys, LegacyAlgorithms: c.LegacyAlgorithms}
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// SiteWarnings lists what a run of the site would trip over that the
// files alone cannot show: a known_hosts file that is missing (with new
// host keys not accepted), a secret's environment variable that is not
// set, a secret's file that is missing.
func SiteWarnings(site *Site, sec Secrets) []string {
	if site == nil {
		return nil
	}
	var out []string
	dir := filepath.Dir(absPath(site.File))
	if kh := sshSettings(site).KnownHosts; kh != "" && !site.Credentials.AcceptNewHostKeys && !fileExists(kh) {
		out = append(out, fmt.Sprintf("known_hosts file %s does not exist: every SSH login would be refused", kh))
	}
	refs := map[string]*SecretRef{}
	for _, e := range site.Credentials.Entries {
		refs["credential "+e.Name+" password"] = e.Value.Password
		refs["credential "+e.Name+" private key"] = e.Value.PrivateKey
	}
	for what, ref := range refs {
		switch {
		case ref == nil:
		case ref.Env != "" && sec.getenv(ref.Env) == "":
			out = append(out, fmt.Sprintf("%s: environment variable %s is not set", what, ref.Env))
		case ref.File != "" && !fileExists(resolvePath(dir, ref.File)):
			out = append(out, fmt.Sprintf("%s: file %s does not exist", what, resolvePath(dir, ref.File)))
		}
	}
	sort.Strings(out)
	return out
}

func resolvePath(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

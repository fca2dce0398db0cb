package manual

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ucops/runbook/engine/decode"
	"github.com/ucops/runbook/steps"
)

// operator answers from a map, or has no one at the terminal.
type operator struct {
	answers map[string]string
	absent  bool
	asked   []steps.Confirmation
}

func (o *operator) Confirm(ctx context.Context, req steps.Confirmation) (map[string]string, error) {
	o.asked = append(o.asked, req)
	if o.absent {
		return nil, steps.ErrNoOperator
	}
	return o.answers, nil
}

func decodeInput(t *testing.T, src string) (*Input, error) {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	var errs decode.Errors
	in := new(Input)
	decode.New("t.yaml", &errs).Decode(&n, in)
	return in, errs.Err()
}

const upload = `instructions: In Cisco Unified OS Administration, generate a multi-server CSR for tomcat.
inputs:
  - {name: request_id, description: the AD CS request number, pattern: "[0-9]+"}
  - {name: fqdn, pattern: '[a-z0-9.-]+\.example\.com'}
  - {name: note}
`

func TestAsk(t *testing.T) {
	in, err := decodeInput(t, upload)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		answers map[string]string
		want    *Result
		err     string
	}{
		{"valid with who and when", map[string]string{"request_id": "4711", "fqdn": "cucm-pub.lab.example.com",
			"note": "", ByKey: "jdoe", AtKey: "2026-12-04T10:41:07Z"},
			&Result{Inputs: map[string]string{"request_id": "4711", "fqdn": "cucm-pub.lab.example.com", "note": ""},
				By: "jdoe", At: time.Date(2026, 12, 4, 10, 41, 7, 0, time.UTC)}, ""},
		{"every problem at once", map[string]string{"request_id": "47 11", "fqdn": "cucm-pub.lab.example.com.evil",
			"reqest_id": "1"}, nil,
			`input "request_id" is "47 11", which does not match [0-9]+ (the AD CS request number)` + "\n" +
				`input "fqdn" is "cucm-pub.lab.example.com.evil", which does not match [a-z0-9.-]+\.example\.com` + "\n" +
				`input "note" is missing` + "\n" +
				`unknown input "reqest_id" (did you mean "request_id"?)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			op := &operator{answers: tc.answers}
			res, err := ask(context.Background(), &steps.Runtime{Step: "gui-csr", Operator: op}, in)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("error:\n%v\nwant:\n%s", err, tc.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(res, tc.want) {
				t.Fatalf("got %+v, %v; want %+v", res, err, tc.want)
			}
			req := op.asked[0]
			if req.Step != "gui-csr" || !strings.HasPrefix(req.Instructions, "In Cisco") ||
				len(req.Inputs) != 3 || req.Inputs[0].Pattern != "[0-9]+" {
				t.Errorf("operator was asked %+v", req)
			}
		})
	}
}

func TestNoOperator(t *testing.T) {
	in, _ := decodeInput(t, upload)
	for name, op := range map[string]steps.Operator{"absent": &operator{absent: true}, "nil": nil} {
		t.Run(name, func(t *testing.T) {
			_, err := ask(context.Background(), &steps.Runtime{Step: "gui-csr", Operator: op}, in)
			want := `manual step "gui-csr" waits for an operator: no operator at a terminal`
			if !errors.Is(err, steps.ErrNoOperator) || err.Error() != want {
				t.Errorf("error = %v, want %s wrapping ErrNoOperator", err, want)
			}
		})
	}
}

func TestOperatorError(t *testing.T) {
	in, _ := decodeInput(t, "instructions: x")
	op := operatorFunc(func() error { return context.Canceled })
	_, err := ask(context.Background(), &steps.Runtime{Operator: op}, in)
	if err == nil || err.Error() != "manual step: context canceled" || !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v", err)
	}
}

type operatorFunc func() error

func (f operatorFunc) Confirm(context.Context, steps.Confirmation) (map[string]string, error) {
	return nil, f()
}

func TestDecodeErrors(t *testing.T) {
	_, err := decodeInput(t, `instructions: x
inputs:
  - {name: a, pattern: "[0-9"}
  - {name: b, pattern: [x]}
  - {nmae: c}
`)
	want := `t.yaml:3:24: inputs.pattern: missing closing ] in "[0-9"` + "\n" +
		`t.yaml:4:24: inputs.pattern: want a regular expression, got a list` + "\n" +
		`t.yaml:5:5: inputs: missing required field "name"` + "\n" +
		`t.yaml:5:6: inputs: unknown field "nmae" (did you mean "name"?)`
	if err == nil || err.Error() != want {
		t.Errorf("decode errors:\n%v\nwant:\n%s", err, want)
	}
}

func TestTemplatedPattern(t *testing.T) {
	var n yaml.Node
	yaml.Unmarshal([]byte(`{instructions: x, inputs: [{name: a, pattern: "${ params.re }"}]}`), &n)
	var errs decode.Errors
	d := decode.New("t.yaml", &errs)
	var seen []string
	d.Template = func(d *decode.Decoder, n *yaml.Node, want reflect.Type) {
		seen = append(seen, fmt.Sprintf("%s %s", n.Value, want))
	}
	in := new(Input)
	d.Decode(&n, in)
	if err := errs.Err(); err != nil || len(seen) != 1 || seen[0] != "${ params.re } string" {
		t.Fatalf("templated pattern: %v, template saw %q", err, seen)
	}
	// Rendered to something that does not compile: caught when asked.
	in.Inputs[0].Pattern = "(("
	_, err := ask(context.Background(), &steps.Runtime{Operator: &operator{}}, in)
	if want := `input "a": pattern: missing closing ) in "(("`; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

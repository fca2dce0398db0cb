package decode

import (
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

type sample struct {
	Pos     Pos
	At      Positions     `yaml:"-"`
	Name    string        `yaml:"name" required:"true"`
	Wait    bool          `yaml:"wait" default:"true"`
	Count   int           `yaml:"count" default:"3"`
	Mode    string        `yaml:"mode" enum:"soft,hard" default:"soft"`
	Timeout time.Duration `yaml:"timeout"`
	Tags    []string      `yaml:"tags"`
	Extra   map[string]any
}

func decodeSample(t *testing.T, src string) (*sample, string) {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	var errs Errors
	s := new(sample)
	New("f.yaml", &errs).Decode(&n, s)
	if err := errs.Err(); err != nil {
		return s, err.Error()
	}
	return s, ""
}

func TestDefaultsDoNotOverrideGivenValues(t *testing.T) {
	s, errs := decodeSample(t, "name: x\nwait: false\ncount: 0\n")
	if errs != "" || s.Wait || s.Count != 0 || s.Mode != "soft" {
		t.Fatalf("got %+v %s", s, errs)
	}
	s, _ = decodeSample(t, "name: x\n")
	if !s.Wait || s.Count != 3 {
		t.Fatalf("defaults not applied: %+v", s)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unknown field", "name: x\ntimout: 1s\n", `f.yaml:2:1: unknown field "timout" (did you mean "timeout"?)`},
		{"missing required", "wait: true\n", `f.yaml:1:1: missing required field "name"`},
		{"wrong type", "name: x\ncount: many\n", `f.yaml:2:8: count: want a whole number, got "many"`},
		{"enum", "name: x\nmode: sotf\n", `f.yaml:2:7: mode: "sotf" is not one of soft, hard (did you mean "soft"?)`},
		{"duration", "name: x\ntimeout: 5\n", `f.yaml:2:10: timeout: bad duration "5": want a number and a unit, such as 30s, 5m or 1h30m`},
		{"list", "name: x\ntags: a\n", `f.yaml:2:7: tags: want a list, got "a"`},
		{"duplicate key", "name: x\nname: y\n", `f.yaml:2:1: key "name" given twice`},
		{"all at once", "count: x\nbad: 1\n",
			"f.yaml:1:1: missing required field \"name\"\nf.yaml:1:8: count: want a whole number, got \"x\"\nf.yaml:2:1: unknown field \"bad\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, got := decodeSample(t, tt.src); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestPositions(t *testing.T) {
	s, _ := decodeSample(t, "name: x\n\ncount: 4\n")
	if got := s.At.Of("count", Pos{}); got.Line != 3 || got.Col != 8 {
		t.Fatalf("count at %v", got)
	}
	if s.Pos.Line != 1 {
		t.Fatalf("pos %v", s.Pos)
	}
}

func TestSuggest(t *testing.T) {
	opts := []string{"timeout", "targets", "retry", "when"}
	for in, want := range map[string]string{"timout": "timeout", "taregts": "targets", "wehn": "when", "zzz": ""} {
		if got := Suggest(in, opts); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

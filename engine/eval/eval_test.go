package eval

import (
	"reflect"
	"testing"
)

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"14.0.1.12900-161", "14.0.1.12900-161", 0},
		{"14.0.1.12900-161", "14.0.1.11900-132", 1},
		{"10.5.2", "10.5.2.10000-5", -1},
		{"10.5.2.10000-5", "10.5.3", -1},
		{"10.5.2.10000-5", "10.5.2", 1},
		{"12.5", "12.5.0", 0},
		{"15", "14.0.1.99999-999", 1},
		{"v11.5.1", "11.5.1", 0},
		{"14su2", "14.1", -1},
	}
	for _, tt := range tests {
		t.Run(tt.a+"_"+tt.b, func(t *testing.T) {
			if got := CompareVersions(tt.a, tt.b); got != tt.want {
				t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
			if got := CompareVersions(tt.b, tt.a); got != -tt.want {
				t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
			}
		})
	}
}

func TestHelpers(t *testing.T) {
	scope := &Scope{Params: []Var{{Name: "v", Type: reflect.TypeFor[string]()}}}
	tests := []struct {
		src  string
		want any
	}{
		{`version_between(params.v, "10.5.2", "10.5.3")`, true},
		{`version_at_least(params.v, "10.5.3")`, false},
		{`version_before(params.v, "11")`, true},
		{`version_compare(params.v, "10.5.2")`, 1},
		{`has_prefix(params.v, "10.5")`, true},
		{`has_suffix(params.v, "-5")`, true},
		{`upper(join(["a", "b"], ","))`, "A,B"},
	}
	env := &Env{Params: map[string]any{"v": "10.5.2.10000-5"}}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p, problems := Compile(tt.src, scope, Any)
			if problems != nil {
				t.Fatal(problems)
			}
			got, err := p.Run(env)
			if err != nil || got != tt.want {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestTemplates(t *testing.T) {
	scope := &Scope{Params: []Var{
		{Name: "size", Type: reflect.TypeFor[int]()},
		{Name: "name", Type: reflect.TypeFor[string]()},
	}}
	env := &Env{Params: map[string]any{"size": 2048, "name": "pub"}}
	tests := []struct {
		src  string
		want any
	}{
		{"plain", "plain"},
		{"${ params.size }", 2048},
		{"  ${ params.size }  ", "  2048  "},
		{"key-${params.size}-${ params.name }", "key-2048-pub"},
		{"literal $${ not } here", "literal ${ not } here"},
		{`${ {"a": "}"}.a }`, "}"},
		{"${ [1, 2] }", []any{1, 2}},
		{"list ${ [1, 2] }", "list [1,2]"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			tpl, problems := CompileTemplate(tt.src, scope)
			if problems != nil {
				t.Fatal(problems)
			}
			got, err := tpl.Render(env)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, %v; want %#v", got, err, tt.want)
			}
		})
	}
}

func TestTemplateProblems(t *testing.T) {
	scope := &Scope{Params: []Var{{Name: "size", Type: reflect.TypeFor[int]()}}}
	tests := []struct {
		src    string
		offset int
		msg    string
	}{
		{"a ${ params.size", 2, `"${" is not closed by "}"`},
		{"ab ${ params.sise }", 13, `unknown param "sise" (did you mean "size"?)`},
		{"${}", 2, "empty expression"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, problems := CompileTemplate(tt.src, scope)
			if len(problems) != 1 || problems[0].Offset != tt.offset || problems[0].Msg != tt.msg {
				t.Errorf("got %+v, want offset %d %q", problems, tt.offset, tt.msg)
			}
		})
	}
}

func TestClean(t *testing.T) {
	got := Clean(`type struct { F0 int "expr:\"a\"" } has no field b; interface {} and []interface {}`)
	want := "type object has no field b; any and list of any"
	if got != want {
		t.Errorf("Clean = %q, want %q", got, want)
	}
}

func FuzzSplitTemplate(f *testing.F) {
	for _, s := range []string{"${ a }", "$${", "${ {\"}\": 1} }", "x${'}'}y", "${", "}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parts, p := SplitTemplate(s)
		if p != nil {
			return
		}
		for _, part := range parts {
			if part.IsExpr && part.Offset > len([]rune(s)) {
				t.Fatalf("offset %d beyond input", part.Offset)
			}
		}
	})
}

func FuzzCompareVersions(f *testing.F) {
	f.Add("14.0.1.12900-161", "10.5.2")
	f.Fuzz(func(t *testing.T, a, b string) {
		if CompareVersions(a, b) != -CompareVersions(b, a) {
			t.Fatalf("not antisymmetric: %q %q", a, b)
		}
	})
}

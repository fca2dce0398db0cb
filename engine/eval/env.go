package eval

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Var is one named thing an expression can reach: a param, a fact or a
// step. Type is its expression type (see ExprType).
type Var struct {
	Name string
	Type reflect.Type
	// Action names the action behind a fact or step, for messages.
	Action string
}

// Scope says what an expression may refer to at the place it is written.
// The engine builds one per place: a guard sees every fact, a step's
// `outputs` also see `result`, a fan-out also sees `node`.
type Scope struct {
	Params []Var
	Facts  []Var
	Steps  []Var
	// Later lists steps declared after this place: naming one is an error
	// that says so.
	Later []string
	// Node is true in a fan-out, where `node` is the current target.
	Node bool
	// Result is the action's result type where `result` is in scope.
	Result reflect.Type
	// Action names the action behind result, for messages.
	Action string
}

// The names at the top of every expression environment.
const (
	NameParams = "params"
	NameSite   = "site"
	NameNodes  = "nodes"
	NameNode   = "node"
	NameFacts  = "facts"
	NameSteps  = "steps"
	NameResult = "result"
	NameRun    = "run"
)

// TopNames returns the names at the top of an environment.
func TopNames() []string {
	return []string{NameParams, NameSite, NameNodes, NameNode, NameFacts, NameSteps, NameResult, NameRun}
}

// NodeValue is a node as expressions see it.
type NodeValue struct {
	Name   string            `json:"name"`
	Role   string            `json:"role"`
	Host   string            `json:"host"`
	FQDN   string            `json:"fqdn"`
	Ports  map[string]int    `json:"ports"`
	Labels map[string]string `json:"labels"`
}

// SiteValue is the site as expressions see it.
type SiteValue struct {
	Name   string `json:"name"`
	Domain string `json:"domain"`
}

// RunValue describes the run as expressions see it.
type RunValue struct {
	ID       string `json:"id"`
	By       string `json:"by"`
	Planning bool   `json:"planning"`
	Started  string `json:"started"`
}

// EnvType returns the struct type of the environment for scope. Field
// names in expressions come from expr tags, so names like "restart-tomcat"
// work through steps["restart-tomcat"].
func EnvType(s *Scope) reflect.Type {
	result := reflect.TypeFor[any]()
	if s.Result != nil {
		result = s.Result
	}
	fields := []reflect.StructField{
		field(0, NameParams, structOf(s.Params)),
		field(1, NameSite, ExprType(reflect.TypeFor[SiteValue]())),
		field(2, NameNodes, ExprType(reflect.TypeFor[[]NodeValue]())),
		field(3, NameNode, ExprType(reflect.TypeFor[NodeValue]())),
		field(4, NameFacts, structOf(s.Facts)),
		field(5, NameSteps, structOf(s.Steps)),
		field(6, NameResult, result),
		field(7, NameRun, ExprType(reflect.TypeFor[RunValue]())),
	}
	return reflect.StructOf(fields)
}

func structOf(vars []Var) reflect.Type {
	fields := make([]reflect.StructField, len(vars))
	for i, v := range vars {
		fields[i] = field(i, v.Name, v.Type)
	}
	return reflect.StructOf(fields)
}

func field(i int, name string, t reflect.Type) reflect.StructField {
	tag := fmt.Sprintf(`json:%q expr:%q`, name, name)
	return reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: t, Tag: reflect.StructTag(tag)}
}

// StepType is the type of steps.<id>: its state, attempts and outputs, and
// the same per target for a fan-out.
func StepType(outputs reflect.Type) reflect.Type {
	target := reflect.StructOf([]reflect.StructField{
		field(0, "state", reflect.TypeFor[string]()),
		field(1, "attempts", reflect.TypeFor[int]()),
		field(2, "outputs", outputs),
	})
	return reflect.StructOf([]reflect.StructField{
		field(0, "state", reflect.TypeFor[string]()),
		field(1, "attempts", reflect.TypeFor[int]()),
		field(2, "outputs", outputs),
		field(3, "targets", reflect.MapOf(reflect.TypeFor[string](), target)),
	})
}

// OutputsType builds the struct type of declared outputs.
func OutputsType(vars []Var) reflect.Type { return structOf(vars) }

var timeType = reflect.TypeFor[time.Time]()

// ExprType converts a Go result type into the type expressions see: the
// same shape with fields named by their json tags. Values move between the
// two through JSON, exactly as they do through the journal.
func ExprType(t reflect.Type) reflect.Type {
	switch t.Kind() {
	case reflect.Pointer:
		return ExprType(t.Elem())
	case reflect.Struct:
		if t == timeType {
			return t
		}
		return reflect.StructOf(jsonFields(t, nil))
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return reflect.TypeFor[string]()
		}
		return reflect.SliceOf(ExprType(t.Elem()))
	case reflect.Map:
		return reflect.MapOf(reflect.TypeFor[string](), ExprType(t.Elem()))
	case reflect.Interface:
		return reflect.TypeFor[any]()
	case reflect.String:
		return reflect.TypeFor[string]()
	case reflect.Bool:
		return reflect.TypeFor[bool]()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if t.Kind() == reflect.Int64 && t.Name() == "Duration" {
			return reflect.TypeFor[int64]()
		}
		return reflect.TypeFor[int]()
	case reflect.Float32, reflect.Float64:
		return reflect.TypeFor[float64]()
	}
	return reflect.TypeFor[any]()
}

func jsonFields(t reflect.Type, out []reflect.StructField) []reflect.StructField {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct {
			out = jsonFields(sf.Type, out)
			continue
		}
		if !sf.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		out = append(out, field(len(out), name, ExprType(sf.Type)))
	}
	return out
}

// Value converts plain data (maps, slices, scalars, or Go structs with json
// tags) into a value of expression type t.
func Value(t reflect.Type, data any) (any, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("encode value: %w", err)
	}
	v := reflect.New(t)
	if err := json.Unmarshal(b, v.Interface()); err != nil {
		return nil, fmt.Errorf("value does not fit its declared type: %w", err)
	}
	return v.Elem().Interface(), nil
}

// Plain converts a value of any type into plain data: maps, slices,
// strings, int (for whole numbers), float64, bool and nil.
func Plain(v any) (any, error) {
	b, err := json.Marshal(v)
	var uv *json.UnsupportedValueError
	if errors.As(err, &uv) {
		return nil, fmt.Errorf("%s is not a finite number (a division by zero?)", uv.Str)
	}
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return numbers(out), nil
}

// numbers replaces json.Number with int or float64.
func numbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return int(i)
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, x := range v {
			v[k] = numbers(x)
		}
	case []any:
		for i, x := range v {
			v[i] = numbers(x)
		}
	}
	return v
}

package decode

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Unmarshaler is implemented by types that read their own YAML forms, such
// as a field that takes either one name or a list of names. Problems are
// reported through d; the method never stops at the first.
type Unmarshaler interface {
	DecodeYAML(d *Decoder, n *yaml.Node)
}

// Decoder decodes nodes of one file and records problems in a shared
// Errors.
type Decoder struct {
	// File is the name printed in positions.
	File string
	// Where names the enclosing object in messages, such as `step "x"`.
	Where string
	// Path is the field path inside it, such as "with.count".
	Path string
	// Template, when set, is called for every scalar string that holds
	// "${". For fields that are not strings the value is then left to the
	// caller, which checks the expression's type against want.
	Template func(d *Decoder, n *yaml.Node, want reflect.Type)
	// Origins names the file of nodes that came from another file than
	// File, such as a site's overrides merged into a runbook.
	Origins map[*yaml.Node]string

	errs *Errors
}

// New returns a decoder for file that records problems in errs.
func New(file string, errs *Errors) *Decoder {
	return &Decoder{File: file, errs: errs}
}

// In returns a decoder that names where in its messages.
func (d *Decoder) In(where string) *Decoder {
	c := *d
	c.Where = where
	c.Path = ""
	return &c
}

// Field returns a decoder for a field of the current object; messages
// then name the field path: step "x": with.count: ...
func (d *Decoder) Field(name string) *Decoder {
	c := *d
	if c.Path != "" {
		name = c.Path + "." + name
	}
	c.Path = name
	return &c
}

// where is the prefix of messages: the object and the field path.
func (d *Decoder) where() string {
	switch {
	case d.Path == "":
		return d.Where
	case d.Where == "":
		return d.Path
	}
	return d.Where + ": " + d.Path
}

// ForFile returns a decoder for another file that records problems in the
// same collection.
func (d *Decoder) ForFile(file string) *Decoder {
	c := *d
	c.File = file
	c.Where, c.Path = "", ""
	return &c
}

// Errors returns the collection problems are recorded in.
func (d *Decoder) Errors() *Errors { return d.errs }

// Pos returns the position of n in its file.
func (d *Decoder) Pos(n *yaml.Node) Pos {
	if f, ok := d.Origins[n]; ok {
		return PosOf(f, n)
	}
	return PosOf(d.File, n)
}

// Errorf records a problem at n.
func (d *Decoder) Errorf(n *yaml.Node, format string, args ...any) {
	d.errs.Add(d.Pos(n), d.where(), format, args...)
}

// ErrorAt records a problem at pos.
func (d *Decoder) ErrorAt(pos Pos, format string, args ...any) {
	d.errs.Add(pos, d.where(), format, args...)
}

// Decode decodes n into the value v points to.
func (d *Decoder) Decode(n *yaml.Node, v any) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		panic(fmt.Sprintf("decode: Decode needs a non-nil pointer, got %T", v))
	}
	d.value(Resolve(n), rv.Elem())
}

// Resolve follows document and alias nodes to the node that holds a value.
func Resolve(n *yaml.Node) *yaml.Node {
	for n != nil {
		switch {
		case n.Kind == yaml.DocumentNode && len(n.Content) > 0:
			n = n.Content[0]
		case n.Kind == yaml.AliasNode && n.Alias != nil:
			n = n.Alias
		default:
			return n
		}
	}
	return n
}

// IsNull reports whether n is missing or an explicit null.
func IsNull(n *yaml.Node) bool {
	n = Resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") ||
		(n.Kind == 0)
}

// HasTemplate reports whether n is a string scalar holding "${".
func HasTemplate(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!str" && strings.Contains(n.Value, "${")
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	posType      = reflect.TypeFor[Pos]()
	nodeType     = reflect.TypeFor[yaml.Node]()
	unmarshaler  = reflect.TypeFor[Unmarshaler]()
)

func (d *Decoder) value(n *yaml.Node, v reflect.Value) {
	n = Resolve(n)
	if n == nil {
		return
	}
	if v.CanAddr() && v.Addr().Type().Implements(unmarshaler) {
		v.Addr().Interface().(Unmarshaler).DecodeYAML(d, n)
		return
	}
	if v.Type() == nodeType {
		v.Set(reflect.ValueOf(*n))
		return
	}
	if d.Template != nil && HasTemplate(n) {
		d.Template(d, n, v.Type())
		if v.Kind() != reflect.String {
			return
		}
	}
	if IsNull(n) {
		v.SetZero()
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.value(n, v.Elem())
	case reflect.Struct:
		d.structValue(n, v)
	case reflect.Slice:
		d.sliceValue(n, v)
	case reflect.Map:
		d.mapValue(n, v)
	case reflect.Interface:
		d.anyValue(n, v)
	default:
		d.scalar(n, v)
	}
}

func (d *Decoder) scalar(n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.ScalarNode {
		d.Errorf(n, "want %s, got %s", describeType(v.Type()), describeNode(n))
		return
	}
	if v.Type() == durationType {
		dur, err := ParseDuration(n.Value)
		if err != nil {
			d.Errorf(n, "%v", err)
			return
		}
		v.SetInt(int64(dur))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(n.Value)
	case reflect.Bool:
		b, ok := parseBool(n)
		if !ok {
			d.Errorf(n, "want true or false, got %s", describeNode(n))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := strconv.ParseInt(n.Value, 0, v.Type().Bits())
		if err != nil || n.Tag != "!!int" {
			d.Errorf(n, "want a whole number, got %s", describeNode(n))
			return
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		u, err := strconv.ParseUint(n.Value, 0, v.Type().Bits())
		if err != nil || n.Tag != "!!int" {
			d.Errorf(n, "want a whole number of zero or more, got %s", describeNode(n))
			return
		}
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		f, ok := parseFloat(n)
		if !ok {
			d.Errorf(n, "want a number, got %s", describeNode(n))
			return
		}
		v.SetFloat(f)
	default:
		d.Errorf(n, "cannot hold a value here")
	}
}

func parseBool(n *yaml.Node) (bool, bool) {
	if n.Tag != "!!bool" {
		return false, false
	}
	b, err := strconv.ParseBool(strings.ToLower(n.Value))
	return b, err == nil
}

func parseFloat(n *yaml.Node) (float64, bool) {
	if n.Tag != "!!int" && n.Tag != "!!float" {
		return 0, false
	}
	switch strings.ToLower(n.Value) {
	case ".inf", "+.inf":
		return math.Inf(1), true
	case "-.inf":
		return math.Inf(-1), true
	case ".nan":
		return math.NaN(), true
	}
	f, err := strconv.ParseFloat(n.Value, 64)
	return f, err == nil
}

func (d *Decoder) sliceValue(n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, "want a list, got %s", describeNode(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.value(item, s.Index(i))
	}
	v.Set(s)
}

func (d *Decoder) mapValue(n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, "want a mapping, got %s", describeNode(n))
		return
	}
	if v.Type().Key().Kind() != reflect.String {
		panic("decode: map keys must be strings")
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	for _, kv := range Pairs(d, n) {
		elem := reflect.New(v.Type().Elem()).Elem()
		d.value(kv.Value, elem)
		m.SetMapIndex(reflect.ValueOf(kv.Key.Value).Convert(v.Type().Key()), elem)
	}
	v.Set(m)
}

// KeyValue is one entry of a mapping node.
type KeyValue struct {
	Key, Value *yaml.Node
}

// Pairs returns the entries of mapping node n, reporting keys that are not
// plain strings and keys given twice (the second is dropped).
func Pairs(d *Decoder, n *yaml.Node) []KeyValue {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	seen := make(map[string]bool, len(n.Content)/2)
	var out []KeyValue
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := Resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.Errorf(k, "a key must be a plain name, got %s", describeNode(k))
			continue
		}
		if k.Tag == "!!merge" {
			d.Errorf(k, "merge keys (<<) are not supported; write the fields out")
			continue
		}
		if seen[k.Value] {
			d.Errorf(k, "key %q given twice", k.Value)
			continue
		}
		seen[k.Value] = true
		out = append(out, KeyValue{k, val})
	}
	return out
}

func (d *Decoder) anyValue(n *yaml.Node, v reflect.Value) {
	if v.NumMethod() != 0 {
		panic(fmt.Sprintf("decode: cannot decode into %s", v.Type()))
	}
	if val := Value(d, n); val != nil {
		v.Set(reflect.ValueOf(val))
	}
}

// Value converts n into plain Go values: map[string]any, []any, string,
// int, float64, bool or nil.
func Value(d *Decoder, n *yaml.Node) any {
	n = Resolve(n)
	switch {
	case IsNull(n):
		return nil
	case n.Kind == yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for _, kv := range Pairs(d, n) {
			m[kv.Key.Value] = Value(d, kv.Value)
		}
		return m
	case n.Kind == yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, item := range n.Content {
			s[i] = Value(d, item)
		}
		return s
	}
	switch n.Tag {
	case "!!bool":
		if b, ok := parseBool(n); ok {
			return b
		}
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return int(i)
		}
	case "!!float":
		if f, ok := parseFloat(n); ok {
			return f
		}
	}
	return n.Value
}

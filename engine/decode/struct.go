package decode

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Field describes one struct field as YAML sees it.
type Field struct {
	Name     string
	Index    []int
	Type     reflect.Type
	Required bool
	Default  string
	Enum     []string
	Doc      string
}

// Fields returns the YAML fields of struct type t, in declaration order,
// with inline (`yaml:",inline"`) structs flattened.
func Fields(t reflect.Type) []Field {
	var out []Field
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() || sf.Type == posType || sf.Type == positionsType {
			continue
		}
		name, opts, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") && sf.Type.Kind() == reflect.Struct {
			for _, f := range Fields(sf.Type) {
				f.Index = append([]int{i}, f.Index...)
				out = append(out, f)
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		f := Field{
			Name:     name,
			Index:    []int{i},
			Type:     sf.Type,
			Required: sf.Tag.Get("required") == "true",
			Default:  sf.Tag.Get("default"),
			Doc:      sf.Tag.Get("doc"),
		}
		if e := sf.Tag.Get("enum"); e != "" {
			f.Enum = strings.Split(e, ",")
		}
		out = append(out, f)
	}
	return out
}

func (d *Decoder) structValue(n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, "want a mapping, got %s", describeNode(n))
		return
	}
	setPos(v, d.Pos(n))
	positions := positionsOf(v)
	fields := Fields(v.Type())
	byName := make(map[string]*Field, len(fields))
	names := make([]string, len(fields))
	for i := range fields {
		byName[fields[i].Name] = &fields[i]
		names[i] = fields[i].Name
	}

	given := make(map[string]bool, len(fields))
	for _, kv := range Pairs(d, n) {
		f, ok := byName[kv.Key.Value]
		if !ok {
			d.Errorf(kv.Key, "unknown field %q%s", kv.Key.Value, DidYouMean(kv.Key.Value, names))
			continue
		}
		given[f.Name] = !IsNull(kv.Value)
		if positions != nil {
			positions[f.Name] = d.Pos(Resolve(kv.Value))
		}
		fv := v.FieldByIndex(f.Index)
		fd := d.Field(f.Name)
		fd.value(kv.Value, fv)
		fd.checkEnum(f, kv.Value)
	}

	for i := range fields {
		f := &fields[i]
		switch {
		case given[f.Name]:
		case f.Required:
			d.Errorf(n, "missing required field %q", f.Name)
		case f.Default != "":
			d.applyDefault(f, v.FieldByIndex(f.Index))
		}
	}
}

// Positions maps the fields of a decoded struct to where their values were
// written. A struct field of this type is filled by the decoder.
type Positions map[string]Pos

// Of returns where field was written, or def when it was not.
func (p Positions) Of(field string, def Pos) Pos {
	if pos, ok := p[field]; ok {
		return pos
	}
	return def
}

var positionsType = reflect.TypeFor[Positions]()

// positionsOf returns a struct's Positions field, made ready, or nil.
func positionsOf(v reflect.Value) Positions {
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Type() == positionsType && f.CanSet() {
			p := Positions{}
			f.Set(reflect.ValueOf(p))
			return p
		}
	}
	return nil
}

// setPos fills a field named Pos of type Pos, if the struct has one.
func setPos(v reflect.Value, p Pos) {
	if f := v.FieldByName("Pos"); f.IsValid() && f.Type() == posType && f.CanSet() {
		f.Set(reflect.ValueOf(p))
	}
}

func (d *Decoder) checkEnum(f *Field, n *yaml.Node) {
	n = Resolve(n)
	if len(f.Enum) == 0 || n == nil || n.Kind != yaml.ScalarNode || HasTemplate(n) || IsNull(n) {
		return
	}
	if !slices.Contains(f.Enum, n.Value) {
		d.Errorf(n, "%q is not one of %s%s", n.Value,
			strings.Join(f.Enum, ", "), DidYouMean(n.Value, f.Enum))
	}
}

func (d *Decoder) applyDefault(f *Field, v reflect.Value) {
	if !v.IsZero() {
		return
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(f.Default), &n); err != nil {
		panic(fmt.Sprintf("decode: bad default for %s: %v", f.Name, err))
	}
	quiet := &Decoder{File: d.File, errs: &Errors{}}
	quiet.value(&n, v)
	if quiet.errs.Len() > 0 {
		panic(fmt.Sprintf("decode: bad default for %s: %v", f.Name, quiet.errs.Err()))
	}
}

// ParseDuration parses a duration such as 30s, 5m or 1h30m. A bare 0 is
// accepted.
func ParseDuration(s string) (time.Duration, error) {
	if strings.TrimSpace(s) == "0" {
		return 0, nil
	}
	dur, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("bad duration %q: want a number and a unit, such as 30s, 5m or 1h30m", s)
	}
	if dur < 0 {
		return 0, fmt.Errorf("bad duration %q: must not be negative", s)
	}
	return dur, nil
}

// describeType says in a user's words what a Go type holds.
func describeType(t reflect.Type) string {
	if t == durationType {
		return "a duration such as 30s or 5m"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	case reflect.Pointer:
		return describeType(t.Elem())
	}
	return "a value"
}

// describeNode says in a user's words what a node holds.
func describeNode(n *yaml.Node) string {
	n = Resolve(n)
	switch {
	case n == nil || IsNull(n):
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:37] + "..."
	}
	switch n.Tag {
	case "!!int", "!!float":
		return "the number " + v
	case "!!bool":
		return v
	}
	return fmt.Sprintf("%q", v)
}

// Describe says in a user's words what a node holds ("a list", "the number
// 3", `"abc"`), for messages of custom decoders.
func Describe(n *yaml.Node) string { return describeNode(n) }

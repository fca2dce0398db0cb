package engine

import "reflect"

// The schemas of the types with their own YAML forms.

func (*Expr) schema(*schemaGen) map[string]any {
	return map[string]any{"type": []any{"string", "boolean"}, "description": "An expression (expr-lang)."}
}

func (*Exprs) schema(*schemaGen) map[string]any {
	e := map[string]any{"type": []any{"string", "boolean"}}
	return map[string]any{"anyOf": []any{e, map[string]any{"type": "array", "items": e}}}
}

func (*Names) schema(*schemaGen) map[string]any {
	n := map[string]any{"type": "string"}
	return map[string]any{"anyOf": []any{n, map[string]any{"type": "array", "items": n}}}
}

func (*Name) schema(*schemaGen) map[string]any {
	return map[string]any{"type": "string"}
}

func (*Targets) schema(*schemaGen) map[string]any {
	return map[string]any{"anyOf": []any{
		map[string]any{"type": "string", "description": "Expression over node, true for each target."},
		map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "description": "Roles and node names."},
	}}
}

func (*Retry) schema(g *schemaGen) map[string]any {
	type plain Retry
	obj := g.object(reflect.TypeFor[plain]())
	return map[string]any{"anyOf": []any{
		map[string]any{"type": "integer", "minimum": 1, "description": "Attempts in all."}, obj,
	}}
}

func (*SecretRef) schema(g *schemaGen) map[string]any {
	type plain SecretRef
	obj := g.object(reflect.TypeFor[plain]())
	obj["minProperties"], obj["maxProperties"] = 1, 1
	return obj
}

func (*Credentials) schema(g *schemaGen) map[string]any {
	return map[string]any{
		"type": "object",
		"properties": map[string]any{
			keyKnownHosts: map[string]any{"type": "string", "description": "known_hosts file, relative to the site file; host keys are always verified."},
			keyAcceptNew:  map[string]any{"type": "boolean", "description": "Add unknown host keys on first use (a changed key is always an error)."},
			keyLegacy:     map[string]any{"type": "boolean", "description": "Offer the old SSH algorithms early CUCM releases need."},
		},
		"additionalProperties": g.of(reflect.TypeFor[Credential]()),
	}
}

func (*Map[T]) schema(g *schemaGen) map[string]any {
	return map[string]any{"type": "object", "additionalProperties": g.of(reflect.TypeFor[T]())}
}

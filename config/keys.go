package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/retention-exporter/retention_exporter/fact"
)

var unmarshaler = reflect.TypeFor[yaml.Unmarshaler]()

// checkKeys walks a YAML document against the type it decodes into and
// reports the first key that has no place there: its line, where it is,
// the closest allowed key and every allowed key. The YAML decoder alone
// names only the Go type, which a user never wrote.
func checkKeys(n *yaml.Node, t reflect.Type, path string) error {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.DocumentNode {
		for _, c := range n.Content {
			if err := checkKeys(c, t, path); err != nil {
				return err
			}
		}
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshaler) {
		return nil // the type checks its own keys
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := yamlFields(t)
		names := make([]string, len(fields))
		for i, f := range fields {
			names[i] = f.name
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i]
			j := slices.Index(names, key.Value)
			if j < 0 {
				return unknownKey(key, path, names)
			}
			if err := checkKeys(n.Content[i+1], fields[j].typ, join(path, key.Value)); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i]
			if path == "queries" {
				if _, ok := fact.Get(key.Value); !ok {
					return unknownKey(key, path, factNameList())
				}
			}
			if err := checkKeys(n.Content[i+1], t.Elem(), join(path, key.Value)); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, c := range n.Content {
			if err := checkKeys(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

type yamlField struct {
	name string
	typ  reflect.Type
}

// yamlFields lists a struct's keys as the YAML decoder reads them.
func yamlFields(t reflect.Type) []yamlField {
	var out []yamlField
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = strings.ToLower(f.Name)
		}
		out = append(out, yamlField{name, f.Type})
	}
	return out
}

func unknownKey(key *yaml.Node, path string, allowed []string) error {
	where := "at the top level"
	if path != "" {
		where = "in " + path
	}
	msg := fmt.Sprintf("line %d: unknown key %q %s", key.Line, key.Value, where)
	if c := closest(key.Value, allowed); c != "" {
		msg += fmt.Sprintf("; did you mean %q?", c)
	}
	return fmt.Errorf("%s (allowed there: %s)", msg, strings.Join(allowed, ", "))
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// closest is the option nearest to s in edits, when it is near enough to
// be a likely typo: at most a third of the longer word's letters differ.
func closest(s string, options []string) string {
	best, bestDist := "", 0
	for _, o := range options {
		d := editDistance(strings.ToLower(s), o)
		if best == "" || d < bestDist {
			best, bestDist = o, d
		}
	}
	if best != "" && 3*bestDist <= max(len(s), len(best)) {
		return best
	}
	// A key written out further than its name, such as dsn_environment.
	for _, o := range options {
		if len(o) >= 4 && strings.HasPrefix(strings.ToLower(s), o) {
			return o
		}
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

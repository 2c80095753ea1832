package config

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MappingParam is a named value a mapping declares under params: a
// scalar, or a list that a query uses inside IN (...). Queries bind it as
// :name like the built-in parameters, so an install's conventions (asset
// types, review titles, a parent entity) are one value, not SQL to edit.
type MappingParam struct {
	// Values holds the scalar, or the list's items: strings, int64,
	// float64 or bool as YAML typed them.
	Values []any
	List   bool
}

// UnmarshalYAML reads a scalar or a list of scalars.
func (p *MappingParam) UnmarshalYAML(n *yaml.Node) error {
	scalar := func(n *yaml.Node) (any, error) {
		if n.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: a parameter is a value or a list of values", n.Line)
		}
		switch n.ShortTag() {
		case "!!int":
			return strconv.ParseInt(n.Value, 0, 64)
		case "!!float":
			return strconv.ParseFloat(n.Value, 64)
		case "!!bool":
			return strconv.ParseBool(n.Value)
		case "!!null":
			return nil, fmt.Errorf("line %d: a parameter needs a value", n.Line)
		}
		return n.Value, nil
	}
	if n.Kind == yaml.SequenceNode {
		if len(n.Content) == 0 {
			return fmt.Errorf("line %d: an empty list cannot be bound (IN () is not SQL)", n.Line)
		}
		p.List = true
		for _, c := range n.Content {
			v, err := scalar(c)
			if err != nil {
				return err
			}
			p.Values = append(p.Values, v)
		}
		return nil
	}
	v, err := scalar(n)
	if err != nil {
		return err
	}
	p.Values = []any{v}
	return nil
}

// MarshalYAML writes the parameter as written.
func (p MappingParam) MarshalYAML() (any, error) {
	if p.List {
		return p.Values, nil
	}
	return p.Values[0], nil
}

// elementParam names the '?' of one item of a list parameter.
func elementParam(name string, i int) string { return name + "#" + strconv.Itoa(i) }

// paramValue is the value of a mapping parameter's placeholder (a
// scalar's name, or a list item's elementParam name).
func (c *Config) paramValue(ph string) (any, bool) {
	name, item, isItem := strings.Cut(ph, "#")
	p, ok := c.MappingParams[name]
	if !ok {
		return nil, false
	}
	i := 0
	if isItem {
		i, _ = strconv.Atoi(item)
	}
	return p.Values[i], true
}

// checkParams refuses a mapping parameter that would hide a built-in one
// or is not a name a query can write.
func (c *Config) checkParams() error {
	for _, name := range slices.Sorted(maps.Keys(c.MappingParams)) {
		if len(c.MappingParams[name].Values) == 0 {
			return fmt.Errorf("params.%s: a parameter needs a value", name)
		}
		if knownParams[name] {
			return fmt.Errorf("params.%s: :%s is a built-in parameter", name, name)
		}
		if name == "" || !isIdentStart(name[0]) || strings.IndexFunc(name, func(r rune) bool { return r > 127 || !isIdentPart(byte(r)) }) >= 0 {
			return fmt.Errorf("params.%s: a parameter's name is letters, digits and underscores, starting with a letter or underscore", name)
		}
	}
	return nil
}

// UnusedMappingParams lists the declared parameters no enabled query uses.
func (c *Config) UnusedMappingParams() []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(c.MappingParams)) {
		used := false
		for q, st := range c.stmts {
			if c.Enabled(q) && slices.ContainsFunc(st.Params, func(p string) bool { return p == name || strings.HasPrefix(p, name+"#") }) {
				used = true
			}
		}
		if !used {
			out = append(out, name)
		}
	}
	return out
}

package config

import (
	"os"
	"reflect"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/retention-exporter/retention_exporter/model"
)

// TestShippedExampleIsTheDefault keeps deploy/config/retention_exporter.yml
// honest: it spells out every default.
func TestShippedExampleIsTheDefault(t *testing.T) {
	example, err := Load("../deploy/config/retention_exporter.yml")
	if err != nil {
		t.Fatal(err)
	}
	def, err := Parse(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	example.dir, def.dir = "", ""
	example.Queries, def.Queries = nil, nil
	// The parameters hold the components' formulas, which DeepEqual
	// cannot compare: they are derived from the rest, and compared by name.
	names := func(c *Config) (out []model.Component) {
		for _, comp := range c.params.Components {
			out = append(out, comp.Name)
		}
		return out
	}
	if !slices.Equal(names(example), names(def)) {
		t.Errorf("the shipped example configures the components %v, the defaults %v", names(example), names(def))
	}
	example.params.Components, def.params.Components = nil, nil
	if !reflect.DeepEqual(example, def) {
		t.Errorf("the shipped example differs from the defaults:\nexample: %+v\ndefault: %+v", example, def)
	}
	// A weight left out takes its default, so the comparison above cannot
	// see a component the example forgets: it must spell out each one.
	var raw struct {
		Health struct {
			Weights map[string]float64 `yaml:"weights"`
		} `yaml:"health"`
	}
	b, err := os.ReadFile("../deploy/config/retention_exporter.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for _, c := range model.Components {
		if _, ok := raw.Health.Weights[string(c.Name)]; !ok {
			t.Errorf("the shipped example does not spell out health.weights.%s", c.Name)
		}
	}
}

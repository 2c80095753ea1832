package config

import (
	"reflect"
	"testing"
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
	if !reflect.DeepEqual(example, def) {
		t.Errorf("the shipped example differs from the defaults:\nexample: %+v\ndefault: %+v", example, def)
	}
}

package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMappingParams: a list binds one value per item inside IN (...), a
// scalar one value, both typed as YAML typed them; a declared parameter
// that no enabled query uses is listed, one that is used but not declared
// is an error naming the declared ones.
func TestMappingParams(t *testing.T) {
	c, err := Parse([]byte(`
params:
  endpoint_types: [Laptop, Server, 7]
  parent: 12
  titles: [QBR]
  spare: x
queries:
  endpoints:
    sql: |
      SELECT client_id, COUNT(*) AS endpoints FROM endpoints
      WHERE kind IN (:endpoint_types) AND parent = :parent AND added_at <= :today
      GROUP BY client_id
  reviews:
    disabled: true
`), "")
	if err != nil {
		t.Fatal(err)
	}
	var q PlannedQuery
	for _, p := range c.Plan(PSA, time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)) {
		if p.Fact.Name == "endpoints" {
			q = p
		}
	}
	if !strings.Contains(q.SQL, "kind IN (?, ?, ?) AND parent = ? AND added_at <= CAST(? AS DATE)") {
		t.Errorf("SQL: %s", q.SQL)
	}
	if want := []any{"Laptop", "Server", int64(7), int64(12)}; !slices.Equal(q.Args[:4], want) {
		t.Errorf("args %#v, want %#v first", q.Args, want)
	}
	for i, at := range q.Placeholders() {
		if q.SQL[at] != '?' {
			t.Errorf("placeholder %d at %d is %q", i, at, q.SQL[at])
		}
	}
	if got := c.UnusedMappingParams(); !slices.Equal(got, []string{"spare", "titles"}) {
		t.Errorf("unused %v, want spare and titles", got)
	}

	for _, tt := range []struct{ yaml, want string }{
		{"queries:\n  endpoints:\n    sql: SELECT client_id, 1 AS endpoints FROM e WHERE k IN (:kinds) AND d <= :today\n",
			"unknown parameter :kinds (known: :now, :today, :history_start, :window_start, :positive_score)"},
		{"params: {types: [a]}\nqueries:\n  endpoints:\n    sql: SELECT client_id, 1 AS endpoints FROM e WHERE k IN (:kinds) AND d <= :today\n",
			"unknown parameter :kinds (known: :now, :today, :history_start, :window_start, :positive_score; declared under params: :types)"},
		{"params: {types: []}\n", "line 1: an empty list cannot be bound"},
		{"params: {today: 3}\n", "params.today: :today is a built-in parameter"},
		{"params: {x: {a: 1}}\n", "a parameter is a value or a list of values"},
		{"params: {x: [[1]]}\n", "a parameter is a value or a list of values"},
		{"params: {x: }\n", "a parameter needs a value"},
	} {
		if _, err := Parse([]byte(tt.yaml), ""); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.yaml, err, tt.want)
		}
	}
}

// TestMappingParamNear: a server's parse error after a list parameter is
// placed in the statement as written.
func TestMappingParamNear(t *testing.T) {
	st, err := parseStatement("SELECT client_id\nFROM e WHERE k IN (:kinds) AND d <= :today ORDER BY", map[string]MappingParam{"kinds": {Values: []any{"a", "b"}, List: true}})
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Near("", 2); got != "the end of line 2" {
		t.Errorf("near the end: %q", got)
	}
	at := strings.Index(st.SQL, "AND d")
	if got := st.Near(st.SQL[at:], 2); got != `line 2, near "AND d <= :today ORDER BY"` {
		t.Errorf("near: %q", got)
	}
}

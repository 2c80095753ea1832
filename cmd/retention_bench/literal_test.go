package main

import (
	"strings"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/config"
)

// TestLiteralSQL: values are written in as the configured zone's SQL
// literals, and a '?' or ':name' inside a string literal stays.
func TestLiteralSQL(t *testing.T) {
	cfg, err := config.Parse([]byte("time_zone: Pacific/Auckland\n"+
		`queries: {contacts: {sql: "SELECT client_id, COUNT(*) AS renewal_contacts FROM contacts WHERE note <> '?:today' AND d <= :today GROUP BY client_id"}}`+"\n"+
		"sources: {billing: {dsn_env: X}}\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2024, 6, 14, 23, 30, 0, 0, time.UTC) // 11:30 on the 15th in Auckland
	want := map[string][]string{
		"contacts":     {"WHERE note <> '?:today' AND d <= CAST('2024-06-15 00:00:00' AS DATE) GROUP BY client_id"},
		"invoices":     {"due_at < CAST('2024-06-15 00:00:00' AS DATE)"},
		"surveys[90d]": {">= 4 THEN", "'2024-06-15 11:30:00'"},
	}
	seen := 0
	for _, src := range []string{config.PSA, config.Billing} {
		for _, q := range cfg.Plan(src, now) {
			sql, err := literalSQL(q)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range want[q.Name()] {
				seen++
				if !strings.Contains(sql, w) {
					t.Errorf("%s: literal lacks %q:\n%s", q.Name(), w, sql)
				}
			}
		}
	}
	if seen != 4 {
		t.Errorf("checked %d of 4 expectations: a query is missing from the plan", seen)
	}
}

package config

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/retention-exporter/retention_exporter/fact"
)

// FuzzParse: no configuration text makes the loader panic, and every
// configuration it accepts holds only checked read statements.
func FuzzParse(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("refresh_interval: 5m\nmax_staleness: 1h\n"))
	f.Add([]byte("queries:\n  clients:\n    sql: SELECT client_id, name, customer_since FROM clients\n"))
	f.Add([]byte("windows:\n  tickets: [7d, 1y]\n  churn: [30d]\n"))
	f.Add([]byte("health:\n  bands: {critical: 10, at_risk: 90}\n  weights: {sla: 1}\n"))
	f.Add([]byte("sources:\n  psa: {dsn_env: X, max_open_conns: 1, query_timeout: 1s}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, t.TempDir())
		if err != nil {
			return
		}
		for _, spec := range fact.All {
			st, ok := cfg.Statement(spec.Name)
			if !ok {
				continue
			}
			if _, err := ParseStatement(strings.ReplaceAll(st.SQL, "?", ":now")); err != nil {
				t.Errorf("accepted query %s does not check again: %v", spec.Name, err)
			}
		}
	})
}

// FuzzParseStatement: the statement checker never panics, and what it
// accepts starts as a read statement with one placeholder per parameter.
func FuzzParseStatement(f *testing.F) {
	for _, s := range []string{
		"SELECT 1", "WITH x AS (SELECT 1) SELECT * FROM x", "(SELECT 1) UNION (SELECT 2)",
		"SELECT ':today' AS s, :today AS t -- ;DELETE", "DELETE FROM t", "SELECT 1; DROP TABLE t",
		"SELECT REPLACE(name, 'a', 'b') FROM t WHERE d > :window_start", "/*! DROP */ SELECT 1",
		"SELECT `weird``name` FROM t WHERE x = \"a\\\"b\"", "SELECT '\xff' FROM t",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		st, err := ParseStatement(sql)
		if err != nil {
			return
		}
		if n := strings.Count(st.SQL, "?"); n < len(st.Params) {
			t.Errorf("%d parameters but %d placeholders in %q", len(st.Params), n, st.SQL)
		}
		if !utf8.ValidString(sql) {
			return
		}
		if strings.Contains(strings.ToUpper(st.SQL), "DELETE FROM") && !strings.ContainsAny(sql, "'\"`#-/") {
			t.Errorf("accepted a DELETE: %q", sql)
		}
	})
}

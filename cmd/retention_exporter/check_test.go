package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/config"
)

// runCheckConnect runs check-config --connect with a config against the
// shared MariaDB and returns its output and whether it passed.
func runCheckConnect(t *testing.T, config string, env []string) (string, bool) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exporterBinary(t), "--config.file="+path, "check-config", "--connect")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if strings.Contains(string(out), roPassword) {
		t.Errorf("the DSN password appears in the output:\n%s", out)
	}
	return string(out), err == nil
}

// TestCheckConnectReference: the default mapping passes on the reference
// schema, and each query says what it read.
func TestCheckConnectReference(t *testing.T) {
	config := "sources:\n  billing:\n    dsn_env: RETENTION_BILLING_DSN\n"
	out, ok := runCheckConnect(t, config, readerEnv(sharedDB(t), sharedDB(t)))
	if !ok {
		t.Fatalf("check-config --connect failed on the reference schema:\n%s", out)
	}
	for _, want := range []string{
		"psa (retention_exporter@", "billing (retention_exporter@",
		"  clients            OK       8 rows",
		"  tickets[30d]       OK",
		"  invoices           OK",
		fmt.Sprintf("all %d queries OK", len(plannedQueries(t, config))),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestCheckConnectBrokenMapping: each kind of mapping mistake is named in
// words a mapping author can act on, the other queries still run, and
// the command fails.
func TestCheckConnectBrokenMapping(t *testing.T) {
	config := `
sources:
  psa:
    query_timeout: 1s
queries:
  clients:
    sql: SELECT client_id, name, customer_since FROM clients
  contracts:
    sql: SELECT contract_id, client_id, name FROM contracts
  endpoints:
    sql: SELECT client_id, COUNT(*) AS endpoints FROM endpoints WHERE retired_on IS NULL GROUP BY client_id
  tickets:
    sql: SELECT client_id, 'many' AS tickets FROM tickets WHERE created_at > :window_start AND created_at <= :now GROUP BY client_id
  surveys:
    sql: |
      SELECT client_id, COUNT(*) AS responses, SUM(score >= 4) AS positive
      FROM surveys WHERE answered_at > :window_start AND answered_at <= :now GROUP BY client_id
  reviews:
    sql: |
      SELECT client_id, last_review_at
      FROM (SELECT client_id, MAX(held_at) AS last_review_at FROM reviews WHERE held_at <= :today GROUP BY client_id) r
      WHERE SLEEP(3) = 0
  contacts:
    sql: SELECT CONCAT('x', client_id) AS client_id, COUNT(*) AS renewal_contacts FROM contacts GROUP BY client_id
  assessments:
    sql: SELECT client_id, standards_total, standards_met FROM assessment
`
	out, ok := runCheckConnect(t, config, readerEnv(sharedDB(t), sharedDB(t)))
	if ok {
		t.Fatalf("a broken mapping passed:\n%s", out)
	}
	for _, want := range []string{
		"  clients            OK       8 rows",
		`missing column: the result has no column "start_date" (required: contract_id, client_id, name, start_date; the query returned: contract_id, client_id, name)`,
		"missing column: retired_on is not a column of the tables the statement reads",
		"the statement does not use :now or :today (rows dated after the refresh must not count)",
		`rows have a value that cannot be read as its column's type, such as column tickets: "many" is not a number`,
		"the statement does not use :positive_score",
		"query reviews: timed out after 1s",
		`every row was skipped: 2 unknown_client (first: client_id "xc`,
		"missing table or no permission: psa.assessment does not exist, or the exporter's user may not read it",
		fmt.Sprintf("8 of %d queries have problems", len(plannedQueries(t, config))),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestCheckConnectCannotConnect: a wrong password is reported once per
// source, without the password.
func TestCheckConnectCannotConnect(t *testing.T) {
	env := append(readerEnv(sharedDB(t), sharedDB(t)), "RETENTION_PSA_DSN="+sharedDB(t).DSN(roUser, "wrong-"+roPassword, "psa"))
	out, ok := runCheckConnect(t, "", env)
	if ok {
		t.Fatalf("a wrong password passed:\n%s", out)
	}
	if strings.Count(out, "Access denied") != 1 || strings.Contains(out, "wrong-") {
		t.Errorf("want one access-denied line without the password:\n%s", out)
	}
	if !strings.Contains(out, "could not read psa, so its queries did not run; the one query of billing is OK") {
		t.Errorf("the summary does not say psa was not read:\n%s", out)
	}
}

// TestCheckSummary: the closing line when a source could not be read
// names what was and was not read, in the right number.
func TestCheckSummary(t *testing.T) {
	for _, c := range []struct {
		read, unread  []string
		failed, total int
		want          string
	}{
		{nil, []string{"psa", "billing"}, 0, 0, "could not read psa and billing, so their queries did not run; no query ran"},
		{nil, []string{"psa"}, 0, 0, "could not read psa, so its queries did not run; no query ran"},
		{[]string{"psa"}, []string{"billing"}, 2, 9, "could not read billing, so its queries did not run; 2 of 9 queries of psa have problems (see above)"},
		{[]string{"psa"}, []string{"billing"}, 0, 9, "could not read billing, so its queries did not run; all 9 queries of psa OK"},
		{[]string{"billing"}, []string{"psa"}, 0, 1, "could not read psa, so its queries did not run; the one query of billing is OK"},
	} {
		if got := summary(c.read, c.unread, c.failed, c.total); got != c.want {
			t.Errorf("summary(%v, %v, %d, %d) = %q, want %q", c.read, c.unread, c.failed, c.total, got, c.want)
		}
	}
}

// TestCheckConnectSyntaxError: a statement the server cannot parse is
// quoted as the user wrote it, not as it was sent with its placeholders.
func TestCheckConnectSyntaxError(t *testing.T) {
	config := `
queries:
  tickets:
    sql: |
      SELECT client_id, COUNT(*) AS tickets
      FROM tickets
      WHERE created_at > :window_start AND AND created_at <= :now
      GROUP BY client_id
`
	out, ok := runCheckConnect(t, config, readerEnv(sharedDB(t), sharedDB(t)))
	if ok {
		t.Fatalf("a statement with a syntax error passed:\n%s", out)
	}
	want := `query tickets[30d]: the server cannot parse the statement at line 3, near "AND created_at <= :now" (error 1064)`
	if !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	if strings.Contains(out, "CAST(?") {
		t.Errorf("output quotes the statement as sent, not as written:\n%s", out)
	}
}

// plannedQueries names the queries a refresh with the config runs, with
// billing configured: each windowed query once per window.
func plannedQueries(t *testing.T, text string) []string {
	t.Helper()
	cfg, err := config.ParseEnv([]byte(text), "", func(string) string { return "x" })
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, src := range []string{config.PSA, config.Billing} {
		for _, q := range cfg.Plan(src, time.Now()) {
			names = append(names, q.Name())
		}
	}
	return names
}

package source

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/retention-exporter/retention_exporter/config"
)

func TestReadDSN(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "dsn")
	if err := os.WriteFile(file, []byte("u:p@tcp(db:3306)/psa\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEST_DSN", " u:q@tcp(db:3306)/psa ")
	for _, c := range []struct {
		src  config.Source
		want string
		err  string
	}{
		{config.Source{DSNEnv: "TEST_DSN"}, "u:q@tcp(db:3306)/psa", ""},
		{config.Source{DSNEnv: "TEST_DSN", DSNFile: file}, "u:p@tcp(db:3306)/psa", ""},
		{config.Source{DSNEnv: "TEST_DSN_UNSET"}, "", "TEST_DSN_UNSET"},
		{config.Source{DSNFile: filepath.Join(dir, "missing")}, "", "reading DSN file"},
	} {
		got, err := ReadDSN(&c.src)
		if got != c.want || (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("ReadDSN(%+v) = %q, %v; want %q, error containing %q", c.src, got, err, c.want, c.err)
		}
	}
}

// TestOpenNeverRevealsTheDSN: a malformed DSN is reported without any of
// its text, and database errors have the password scrubbed.
func TestOpenNeverRevealsTheDSN(t *testing.T) {
	const password = "hunter2-Secret"
	refused := 0
	for _, dsn := range []string{
		"user:" + password + "@tcp(db:3306/psa",      // unterminated address
		"user:" + password + "@tcp(db:3306)/psa?x=%", // bad escape
		"user:" + password + "@bogus(db)/psa",        // unknown network
	} {
		t.Setenv("TEST_DSN", dsn)
		_, err := Open("psa", &config.Source{DSNEnv: "TEST_DSN", MaxOpenConns: 1}, time.UTC)
		if err == nil {
			continue // the driver accepts it; nothing to reveal
		}
		refused++
		if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), "db:3306") {
			t.Errorf("error reveals the DSN: %v", err)
		}
	}
	if refused == 0 {
		t.Fatal("no malformed DSN was refused")
	}
	err := scrub(errors.New("Access denied for user 'u' using password "+password), password)
	if strings.Contains(err.Error(), password) {
		t.Errorf("scrub left the password in %q", err)
	}
}

func TestOpenDescribesTargetWithoutPassword(t *testing.T) {
	t.Setenv("TEST_DSN", "reader:topsecret@tcp(psa-db:3307)/psa")
	db, err := Open("psa", &config.Source{DSNEnv: "TEST_DSN", MaxOpenConns: 2, QueryTimeout: config.Duration(time.Second)}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Target() != "reader@psa-db:3307/psa" || strings.Contains(db.Target(), "topsecret") {
		t.Errorf("target %q", db.Target())
	}
}

// TestQueryErrNamesTimeouts: a statement stopped by the server's own
// session limit reads the same as one stopped by the client's deadline.
func TestQueryErrNamesTimeouts(t *testing.T) {
	d := &DB{timeout: time.Second}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"mariadb max_statement_time", &mysql.MySQLError{Number: 1969, Message: "Query execution was interrupted (max_statement_time exceeded)"}, "query q: timed out after 1s"},
		{"mysql max_execution_time", fmt.Errorf("wrapped: %w", &mysql.MySQLError{Number: 3024, Message: "Query execution was interrupted, maximum statement execution time exceeded"}), "query q: timed out after 1s"},
		{"missing table", &mysql.MySQLError{Number: 1146, Message: "Table 'psa.tickets' doesn't exist"}, "query q: missing table: psa.tickets does not exist: Error 1146: Table 'psa.tickets' doesn't exist"},
		{"missing column", &mysql.MySQLError{Number: 1054, Message: "Unknown column 'closed_on' in 'field list'"}, "query q: missing column: closed_on is not a column of the tables the statement reads (in its field list): Error 1054: Unknown column 'closed_on' in 'field list'"},
		{"grants per table", &mysql.MySQLError{Number: 1142, Message: "SELECT command denied to user 'r'@'h' for table `psa`.`ticket`"}, "query q: missing table or no permission: psa.ticket does not exist, or the exporter's user may not read it (GRANT SELECT): Error 1142: SELECT command denied to user 'r'@'h' for table `psa`.`ticket`"},
		{"other server error", &mysql.MySQLError{Number: 1205, Message: "Lock wait timeout exceeded"}, "query q: Error 1205: Lock wait timeout exceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := d.queryErr("q", context.Background(), tc.err).Error(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

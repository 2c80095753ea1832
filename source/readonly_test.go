package source

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/config"
	mysqlschema "github.com/retention-exporter/retention_exporter/deploy/mysql"
	"github.com/retention-exporter/retention_exporter/internal/mariadbtest"
	"github.com/retention-exporter/retention_exporter/internal/testenv"
)

// TestSessionsAreReadOnly: even as root, whose grants allow anything, a
// statement that changes data fails inside the exporter's read
// transaction — the second line of defence behind the statement check.
// DDL commits implicitly and is not stopped by a read-only transaction:
// the statement check and the account's grants stop it.
func TestSessionsAreReadOnly(t *testing.T) {
	testenv.Integration(t)
	db := mariadbtest.Started(t)
	if err := db.Exec("", "CREATE DATABASE psa"); err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("psa", mysqlschema.PSA); err != nil {
		t.Fatal(err)
	}
	t.Setenv("RO_TEST_DSN", fmt.Sprintf("root@unix(%s)/psa", db.Socket()))
	src, err := Open(config.PSA, &config.Source{DSNEnv: "RO_TEST_DSN", MaxOpenConns: 1, QueryTimeout: config.Duration(5 * time.Second)}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for _, stmt := range []string{
		"INSERT INTO clients (client_id, name, customer_since) VALUES ('x', 'x', '2020-01-01')",
		"UPDATE clients SET name = 'y'",
		"DELETE FROM clients",
		"REPLACE INTO clients (client_id, name, customer_since) VALUES ('x', 'x', '2020-01-01')",
	} {
		conn, tx, err := src.begin(context.Background(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		_, err = tx.Exec(stmt)
		_ = tx.Rollback()
		conn.Close()
		if err == nil || !strings.Contains(strings.ToUpper(err.Error()), "READ ONLY") {
			t.Errorf("%s: %v, want a read-only transaction error", stmt, err)
		}
	}
	for _, ddl := range []string{"CREATE TABLE evil (id INT)", "DROP TABLE clients", "ALTER TABLE clients ADD x INT", "TRUNCATE clients"} {
		if _, err := config.ParseStatement(ddl); err == nil {
			t.Errorf("the statement check accepts %q", ddl)
		}
	}
}

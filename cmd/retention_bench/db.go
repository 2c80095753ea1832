package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	mysqlschema "github.com/retention-exporter/retention_exporter/deploy/mysql"
	"github.com/retention-exporter/retention_exporter/internal/mariadbtest"
	"github.com/retention-exporter/retention_exporter/internal/synth"
)

// loadMSP replaces the psa and billing databases with a generated MSP of
// n clients (seed 1) and the reference DDL, and grants the exporter's
// read-only user.
func (b *bench) loadMSP(n int) error {
	psaSQL, billingSQL := filepath.Join(b.dir, "psa.sql"), filepath.Join(b.dir, "billing.sql")
	pf, _ := os.Create(psaSQL)
	bf, _ := os.Create(billingSQL)
	_, err := synth.WriteSQL(synth.Options{Clients: n, Seed: 1, Now: time.Now().UTC()}, pf, bf)
	pf.Close()
	bf.Close()
	if err != nil {
		return err
	}
	db := b.db
	if err := db.Exec("", "DROP DATABASE IF EXISTS psa; DROP DATABASE IF EXISTS billing; CREATE DATABASE psa; CREATE DATABASE billing;"); err != nil {
		return err
	}
	for _, st := range []struct{ db, file, ddl string }{{"psa", psaSQL, mysqlschema.PSA}, {"billing", billingSQL, mysqlschema.Billing}} {
		if err := db.Exec(st.db, st.ddl); err != nil {
			return err
		}
		if err := client(db, st.db, st.file); err != nil {
			return err
		}
	}
	return db.Exec("", strings.ReplaceAll(mysqlschema.Grants, "change-me", "bench")+
		" ALTER USER 'retention_exporter'@'%' WITH MAX_USER_CONNECTIONS 10;")
}

// client runs a SQL file with the mariadb client as root.
func client(db *mariadbtest.Server, database, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.Command("mariadb", "--socket="+db.Socket(), "-uroot", database)
	cmd.Stdin = f
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("mariadb: %v: %s", err, out)
	}
	return nil
}

// clientText runs a SQL script with the mariadb client as root,
// discarding the results.
func clientText(db *mariadbtest.Server, database, sql string) error {
	cmd := exec.Command("mariadb", "--socket="+db.Socket(), "-uroot", database)
	cmd.Stdin = strings.NewReader(sql)
	cmd.Stdout = io.Discard
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("mariadb: %v: %s", err, stderr.String())
	}
	return nil
}

// dbStats are MariaDB's cumulative counters: SELECT statements, all
// statements clients sent (Questions), and mariadbd's CPU time.
type dbStats struct {
	selects, questions int64
	cpu                time.Duration
}

func readDBStats(db *mariadbtest.Server, pid int) (dbStats, error) {
	var s dbStats
	conn, err := db.Root("")
	if err != nil {
		return s, err
	}
	defer conn.Close()
	rows, err := conn.Query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_select', 'Questions')")
	if err != nil {
		return s, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var v int64
		if err := rows.Scan(&name, &v); err != nil {
			return s, err
		}
		if name == "Com_select" {
			s.selects = v
		} else {
			s.questions = v
		}
	}
	if err := rows.Err(); err != nil {
		return s, err
	}
	s.cpu, err = cpuTime(pid)
	return s, err
}

// Package embedded runs an in-process, in-memory MySQL-wire-compatible
// database (go-mysql-server) for the demo and for tests that compare it
// with MariaDB. The exporter talks to it over TCP with the same driver
// and queries as to a real server. Production binaries never import it.
package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"regexp"
	"strings"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/memory"
	"github.com/dolthub/go-mysql-server/server"
	gmssql "github.com/dolthub/go-mysql-server/sql"
	"github.com/go-sql-driver/mysql"

	mysqlschema "github.com/retention-exporter/retention_exporter/deploy/mysql"
)

// Server is one running in-memory database server.
type Server struct {
	srv  *server.Server
	addr string
}

// Start serves the named (empty) databases on addr ("127.0.0.1:0" picks
// a free port).
func Start(addr string, databases ...string) (*Server, error) {
	var dbs []gmssql.Database
	for _, name := range databases {
		db := memory.NewDatabase(name)
		db.EnablePrimaryKeyIndexes()
		dbs = append(dbs, db)
	}
	pro := memory.NewDBProvider(dbs...)
	engine := sqle.NewDefault(pro)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	cfg := server.Config{Protocol: "tcp", Listener: l}
	srv, err := server.NewServer(cfg, engine, gmssql.NewContext, memory.NewSessionBuilder(pro), nil)
	if err != nil {
		l.Close()
		return nil, err
	}
	go func() { _ = srv.Start() }()
	return &Server{srv: srv, addr: l.Addr().String()}, nil
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.addr }

// DSN returns a go-sql-driver DSN for database db.
func (s *Server) DSN(db string) string {
	c := mysql.NewConfig()
	c.User = "root"
	c.Net = "tcp"
	c.Addr = s.addr
	c.DBName = db
	return c.FormatDSN()
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

var indexLine = regexp.MustCompile(`(?i)^\s*(PRIMARY\s+|UNIQUE\s+)?KEY\b`)

// WithoutIndexes drops the keys and indexes from CREATE TABLE statements.
// The in-memory engine checks a primary key by scanning the table and
// re-sorts every index after each statement, which makes loading
// quadratic; it scans tables to answer queries anyway.
func WithoutIndexes(ddl string) string {
	var out []string
	for _, line := range strings.Split(ddl, "\n") {
		if indexLine.MatchString(line) {
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(line), ")") {
			// The column before the closing parenthesis loses its comma.
			for j := len(out) - 1; j >= 0; j-- {
				code, comment, _ := strings.Cut(out[j], "--")
				if strings.TrimSpace(code) == "" {
					continue
				}
				code = strings.TrimSuffix(strings.TrimRight(code, " \t"), ",")
				if comment != "" {
					code += " --" + comment
				}
				out[j] = code
				break
			}
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// CreateReference creates the reference schema (without indexes) in the
// psa and billing databases and returns connections to both.
func (s *Server) CreateReference(ctx context.Context) (psa, billing *sql.DB, err error) {
	open := func(name, ddl string) (*sql.DB, error) {
		conn, err := sql.Open("mysql", s.DSN(name)+"?multiStatements=true")
		if err != nil {
			return nil, err
		}
		if _, err := conn.ExecContext(ctx, WithoutIndexes(ddl)); err != nil {
			conn.Close()
			return nil, fmt.Errorf("creating the %s schema: %w", name, err)
		}
		return conn, nil
	}
	if psa, err = open("psa", mysqlschema.PSA); err != nil {
		return nil, nil, err
	}
	if billing, err = open("billing", mysqlschema.Billing); err != nil {
		psa.Close()
		return nil, nil, err
	}
	return psa, billing, nil
}

// Package source reads facts from the PSA and billing databases: it runs
// the configured read statements in a read-only transaction and decodes
// their rows by column name.
package source

import (
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/retention-exporter/retention_exporter/config"
)

// DB is one configured source.
type DB struct {
	name    string
	db      *sql.DB
	timeout time.Duration
	loc     *time.Location
	secret  string // the DSN's password, scrubbed from every error
	target  string
}

// Name is the source's name: psa or billing.
func (d *DB) Name() string { return d.name }

// Target describes the server without credentials, for logs.
func (d *DB) Target() string { return d.target }

// ReadDSN returns a source's DSN from its file or environment variable.
func ReadDSN(s *config.Source) (string, error) {
	if s.DSNFile != "" {
		b, err := os.ReadFile(s.DSNFile)
		if err != nil {
			return "", fmt.Errorf("reading DSN file: %w", err)
		}
		dsn := strings.TrimSpace(string(b))
		if dsn == "" {
			return "", fmt.Errorf("DSN file %s is empty", s.DSNFile)
		}
		return dsn, nil
	}
	dsn := strings.TrimSpace(os.Getenv(s.DSNEnv))
	if dsn == "" {
		return "", fmt.Errorf("environment variable %s holding the DSN is not set", s.DSNEnv)
	}
	return dsn, nil
}

// Open prepares a connection pool for a source. It does not connect:
// the exporter must start while databases are down.
func Open(name string, s *config.Source, loc *time.Location) (*DB, error) {
	dsn, err := ReadDSN(s)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", name, err)
	}
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		// The driver's message may quote part of the DSN: say only where it came from.
		return nil, fmt.Errorf("source %s: the DSN is not a valid go-sql-driver/mysql DSN (user:password@tcp(host:3306)/database)", name)
	}
	mc.ParseTime = true
	mc.Loc = loc
	if mc.Timeout == 0 {
		mc.Timeout = 10 * time.Second
	}
	if s.TLS != nil {
		tc, err := tlsConfig(s.TLS, mc.Addr)
		if err != nil {
			return nil, fmt.Errorf("source %s: tls: %w", name, err)
		}
		mc.TLS = tc
	}
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, fmt.Errorf("source %s: %v", name, scrub(err, mc.Passwd))
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(s.MaxOpenConns)
	db.SetMaxIdleConns(s.MaxOpenConns)
	db.SetConnMaxIdleTime(15 * time.Minute)
	return &DB{
		name: name, db: db, timeout: time.Duration(s.QueryTimeout), loc: loc,
		secret: mc.Passwd, target: fmt.Sprintf("%s@%s/%s", mc.User, mc.Addr, mc.DBName),
	}, nil
}

// Close closes the pool.
func (d *DB) Close() error { return d.db.Close() }

func tlsConfig(t *config.TLS, addr string) (*tls.Config, error) {
	c := &tls.Config{ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify, MinVersion: tls.VersionTLS12}
	if c.ServerName == "" {
		host := addr
		if i := strings.LastIndex(addr, ":"); i >= 0 {
			host = addr[:i]
		}
		c.ServerName = strings.Trim(host, "[]")
	}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no certificate in %s", t.CAFile)
		}
		c.RootCAs = pool
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, err
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// scrub removes the password from an error's text.
func scrub(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), secret, "<secret>"))
}

package source

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/fact"
	"github.com/retention-exporter/retention_exporter/model"
)

// QueryReport is what one run of a fact query cost and found.
type QueryReport struct {
	Query    string
	Window   string // set for windowed queries
	Duration time.Duration
	Err      error
	Rows     int
	// Invalid counts skipped rows by reason; Examples keeps the first
	// skipped row's explanation for each reason.
	Invalid  map[string]int
	Examples map[string]string
}

// ReadPSA runs every enabled PSA query at now in one read-only
// transaction, so all facts come from one consistent snapshot. A query
// that fails fails alone: the others still run, and the facts hold what
// they read, with the failed queries' facts nil (absent). The error is
// the first failure; the facts are nil only when no query could run.
func (d *DB) ReadPSA(ctx context.Context, cfg *config.Config, now time.Time) (*model.Facts, []QueryReport, error) {
	return d.read(ctx, cfg, now)
}

// ReadBilling runs the billing queries at now, as ReadPSA runs the PSA's.
func (d *DB) ReadBilling(ctx context.Context, cfg *config.Config, now time.Time) (*model.Facts, []QueryReport, error) {
	return d.read(ctx, cfg, now)
}

// read runs the source's queries; the facts are nil when none ran. A
// failed query's facts are dropped and the others go on; since a failure
// can break the connection (a timeout closes it), the queries after it
// run in a new transaction.
func (d *DB) read(ctx context.Context, cfg *config.Config, now time.Time) (*model.Facts, []QueryReport, error) {
	dec := fact.NewDecoder(now)
	rs := cfg.Plan(d.name, now)
	if len(rs) == 0 {
		return dec.Facts(), nil, nil // every query disabled: no need for a connection
	}
	if d.timeout > 0 {
		// Connecting and preparing the session get a query's time too: a
		// server that accepts connections but never answers must not
		// stall the refresh loop.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.timeout*time.Duration(len(rs)+2))
		defer cancel()
	}
	var (
		reports []QueryReport
		first   error
		ran     bool
		conn    *sql.Conn
		tx      *sql.Tx
	)
	end := func() {
		if tx != nil {
			_ = tx.Rollback() // read-only: nothing to lose
			conn.Close()
			conn, tx = nil, nil
		}
	}
	defer end()
	for _, r := range rs {
		if tx == nil {
			var err error
			if conn, tx, err = d.begin(ctx, now); err != nil {
				// The database cannot be reached: the rest cannot run either.
				if first == nil {
					first = err
				}
				break
			}
		}
		rep := d.runQuery(ctx, tx, r, dec)
		reports = append(reports, rep)
		ran = true
		if rep.Err != nil {
			dec.Drop(r.Fact.Name, r.Window.Label)
			if first == nil {
				first = rep.Err
			}
			end()
		}
	}
	if !ran {
		return nil, reports, first
	}
	return dec.Facts(), reports, first
}

// begin takes a connection, prepares its session and starts a read-only
// transaction. Connecting and preparing get one query timeout.
func (d *DB) begin(ctx context.Context, now time.Time) (*sql.Conn, *sql.Tx, error) {
	setup, cancelSetup := ctx, context.CancelFunc(func() {})
	if d.timeout > 0 {
		setup, cancelSetup = context.WithTimeout(ctx, d.timeout)
	}
	defer cancelSetup()
	conn, err := d.db.Conn(setup)
	if err != nil {
		return nil, nil, d.wrap("connect", err)
	}
	if err := d.prepareSession(setup, conn, now); err != nil {
		conn.Close()
		return nil, nil, err
	}
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		conn.Close()
		return nil, nil, d.wrap("start read-only transaction", err)
	}
	return conn, tx, nil
}

// prepareSession sets the session time zone and a server-side statement
// limit matching the query timeout, so a cancelled query stops on the
// server too. The limit is best effort: MariaDB and MySQL name it
// differently and other engines may lack it.
func (d *DB) prepareSession(ctx context.Context, conn *sql.Conn, now time.Time) error {
	zone := d.loc.String()
	if zone == "UTC" || zone == "" {
		zone = "+00:00"
	}
	if _, err := conn.ExecContext(ctx, "SET time_zone = ?", zone); err != nil {
		// Named zones need the server's time zone tables; the offset in
		// force now is the same for this refresh.
		_, off := now.In(d.loc).Zone()
		if _, err2 := conn.ExecContext(ctx, "SET time_zone = ?", formatOffset(off)); err2 != nil {
			return d.wrap("set session time zone", err)
		}
	}
	if d.timeout > 0 {
		secs := d.timeout.Seconds()
		if _, err := conn.ExecContext(ctx, "SET SESSION max_statement_time = ?", secs); err != nil {
			_, _ = conn.ExecContext(ctx, "SET SESSION max_execution_time = ?", d.timeout.Milliseconds())
		}
	}
	return nil
}

func formatOffset(sec int) string {
	sign := '+'
	if sec < 0 {
		sign, sec = '-', -sec
	}
	return fmt.Sprintf("%c%02d:%02d", sign, sec/3600, sec%3600/60)
}

func (d *DB) runQuery(ctx context.Context, tx *sql.Tx, q config.PlannedQuery, dec *fact.Decoder) (rep QueryReport) {
	rep = QueryReport{Query: q.Fact.Name, Window: q.Window.Label}
	start := time.Now()
	defer func() { rep.Duration = time.Since(start) }()
	name := q.Name()
	qctx := ctx
	if d.timeout > 0 {
		var cancel context.CancelFunc
		qctx, cancel = context.WithTimeout(ctx, d.timeout)
		defer cancel()
	}
	decode := dec.Start(q.Fact.Name, q.Window.Label)
	rows, err := tx.QueryContext(qctx, q.SQL, q.Args...)
	if err != nil {
		if rep.Err = parseError(name, q, err); rep.Err == nil {
			rep.Err = d.queryErr(name, qctx, err)
		}
		return rep
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		rep.Err = d.queryErr(name, qctx, err)
		return rep
	}
	row := fact.NewRow(cols, d.loc)
	for _, c := range q.Fact.Required {
		if !row.Has(c) {
			rep.Err = fmt.Errorf("query %s: missing column: the result has no column %q (required: %s; the query returned: %s)",
				name, c, strings.Join(q.Fact.Required, ", "), strings.Join(cols, ", "))
			return rep
		}
	}
	dest := row.Dest()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			rep.Err = d.queryErr(name, qctx, err)
			return rep
		}
		rep.Rows++
		if err := decode(row); err != nil {
			var bad *fact.InvalidRow
			if !errors.As(err, &bad) {
				rep.Err = fmt.Errorf("query %s: %w", name, err)
				return rep
			}
			if rep.Invalid == nil {
				rep.Invalid, rep.Examples = map[string]int{}, map[string]string{}
			}
			if rep.Invalid[bad.Reason] == 0 {
				rep.Examples[bad.Reason] = bad.Detail
			}
			rep.Invalid[bad.Reason]++
		}
	}
	if err := rows.Err(); err != nil {
		rep.Err = d.queryErr(name, qctx, err)
	}
	return rep
}

func (d *DB) queryErr(name string, ctx context.Context, err error) error {
	if ctx.Err() == context.DeadlineExceeded || serverTimeout(err) {
		return fmt.Errorf("query %s: timed out after %s", name, d.timeout)
	}
	if why := explain(err); why != "" {
		return fmt.Errorf("query %s: %s: %w", name, why, scrub(err, d.secret))
	}
	return d.wrap("query "+name, err)
}

// serverNear is where the server's parse error message quotes the SQL it
// was sent, from the error on, and that quote's line.
var serverNear = regexp.MustCompile(`(?s)near '(.*)' at line (\d+)$`)

// parseError words a server's parse error with the statement as the user
// wrote it: the server quotes the SQL it was sent, whose placeholders
// (CAST(? AS DATE)) the user never wrote. It returns nil for other errors
// and for a quote it cannot place.
func parseError(name string, q config.PlannedQuery, err error) error {
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != errParseSQL {
		return nil
	}
	m := serverNear.FindStringSubmatch(me.Message)
	if m == nil {
		return nil
	}
	line, _ := strconv.Atoi(m[2])
	near := q.Near(m[1], line)
	if near == "" {
		return nil
	}
	return fmt.Errorf("query %s: the server cannot parse the statement at %s (error %d)", name, near, me.Number)
}

// serverTimeout reports whether the server itself stopped the statement
// at the session limit set in prepareSession, which can fire just before
// the client's deadline does.
func serverTimeout(err error) bool {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	const mariadbStatementTimeout, mysqlQueryTimeout = 1969, 3024
	return me.Number == mariadbStatementTimeout || me.Number == mysqlQueryTimeout
}

func (d *DB) wrap(what string, err error) error {
	return fmt.Errorf("%s: %w", what, scrub(err, d.secret))
}

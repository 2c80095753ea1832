package source

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/fact"
	"github.com/retention-exporter/retention_exporter/model"
)

// Check runs each of the source's enabled queries once at now, each in its
// own read-only transaction, and reports on every one. Unlike a refresh it
// goes on after a failure, so that a mapping author sees every problem of
// a mapping in one run. Rows are decoded as a refresh decodes them, so the
// skipped rows are counted by the same reasons.
func (d *DB) Check(ctx context.Context, cfg *config.Config, now time.Time) []QueryReport {
	dec := fact.NewDecoder(now)
	var reports []QueryReport
	for _, q := range cfg.Plan(d.name, now) {
		reports = append(reports, d.checkQuery(ctx, q, dec, now))
	}
	return reports
}

// Ping connects once, within one query timeout, so that a wrong address
// or password is reported once rather than once per query.
func (d *DB) Ping(ctx context.Context) error {
	if d.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.timeout)
		defer cancel()
	}
	if err := d.db.PingContext(ctx); err != nil {
		return d.wrap("connect", err)
	}
	return nil
}

func (d *DB) checkQuery(ctx context.Context, q config.PlannedQuery, dec *fact.Decoder, now time.Time) QueryReport {
	if d.timeout > 0 {
		// Connecting, preparing the session and the query itself.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 3*d.timeout)
		defer cancel()
	}
	conn, tx, err := d.begin(ctx, now)
	if err != nil {
		return QueryReport{Query: q.Fact.Name, Window: q.Window.Label, Err: err}
	}
	defer conn.Close()
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to lose
	return d.runQuery(ctx, tx, q, dec)
}

// MySQL and MariaDB error numbers that a mapping mistake causes.
const (
	errNoSuchTable   = 1146 // ER_NO_SUCH_TABLE
	errBadField      = 1054 // ER_BAD_FIELD_ERROR
	errTableAccess   = 1142 // ER_TABLEACCESS_DENIED_ERROR
	errColumnAccess  = 1143 // ER_COLUMNACCESS_DENIED_ERROR
	errNoSuchDB      = 1049 // ER_BAD_DB_ERROR
	errParseSQL      = 1064 // ER_PARSE_ERROR
	errUnknownFunc   = 1305 // ER_SP_DOES_NOT_EXIST
	errNotSupportedY = 1235 // ER_NOT_SUPPORTED_YET
)

var (
	quotedTable  = regexp.MustCompile(`^Table '([^']*)' doesn't exist`)
	quotedColumn = regexp.MustCompile(`^Unknown column '([^']*)' in '([^']*)'`)
	deniedTable  = regexp.MustCompile(`for table (\S+)$`)
)

// explain says in a mapping author's words what a server error means
// for the query, or returns "" for errors that need no translation.
func explain(err error) string {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return ""
	}
	switch me.Number {
	case errNoSuchTable:
		if m := quotedTable.FindStringSubmatch(me.Message); m != nil {
			return fmt.Sprintf("missing table: %s does not exist", m[1])
		}
		return "missing table"
	case errBadField:
		if m := quotedColumn.FindStringSubmatch(me.Message); m != nil {
			return fmt.Sprintf("missing column: %s is not a column of the tables the statement reads (in its %s)", m[1], m[2])
		}
		return "missing column"
	case errTableAccess, errColumnAccess:
		// A server answers so too for a table that does not exist when the
		// user's grants are per table, as deploy/mysql/grants.sql makes them.
		if m := deniedTable.FindStringSubmatch(me.Message); m != nil {
			return fmt.Sprintf("missing table or no permission: %s does not exist, or the exporter's user may not read it (GRANT SELECT)",
				strings.NewReplacer("`", "", "'", "").Replace(m[1]))
		}
		return "no permission: grant the exporter's user SELECT on what the statement reads"
	case errNoSuchDB:
		return "missing database"
	case errParseSQL:
		return "the server cannot parse the statement"
	case errUnknownFunc, errNotSupportedY:
		return "the server does not support part of the statement"
	}
	return ""
}

// Problems lists, in words a mapping author can act on, what is wrong
// with a query as one run of it shows: its error, a parameter its fact
// depends on that it leaves out, values that cannot be read as their
// column's type, no clients, or every row skipped.
func (r QueryReport) Problems(cfg *config.Config) []string {
	var out []string
	if r.Err != nil {
		out = append(out, r.Err.Error())
	}
	for _, p := range cfg.UnusedParams(r.Query) {
		out = append(out, "the statement does not use "+p)
	}
	if r.Err != nil {
		return out
	}
	if n := r.Invalid[fact.ReasonUnparsableValue]; n > 0 {
		out = append(out, fmt.Sprintf("%d of %d rows have a value that cannot be read as its column's type, such as %s; "+
			"cast or convert the column in the statement (docs/configuration.md lists each column's type)",
			n, r.Rows, r.Examples[fact.ReasonUnparsableValue]))
	}
	skipped := 0
	for _, n := range r.Invalid {
		skipped += n
	}
	switch {
	case r.Rows == 0 && r.Query == model.QueryClients:
		out = append(out, "no rows: the mapping finds no clients, so every other fact has none either")
	case r.Rows > 0 && skipped == r.Rows && r.Invalid[fact.ReasonUnparsableValue] == 0:
		out = append(out, "every row was skipped: "+r.Skipped())
	}
	return out
}

// Skipped lists the skipped rows by reason, each with its first example.
func (r QueryReport) Skipped() string {
	reasons := make([]string, 0, len(r.Invalid))
	for reason := range r.Invalid {
		reasons = append(reasons, reason)
	}
	slices.Sort(reasons)
	parts := make([]string, len(reasons))
	for i, reason := range reasons {
		parts[i] = fmt.Sprintf("%d %s (first: %s)", r.Invalid[reason], reason, r.Examples[reason])
	}
	return strings.Join(parts, "; ")
}

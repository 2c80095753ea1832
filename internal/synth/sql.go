package synth

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/retention-exporter/retention_exporter/model"
)

// Columns of each reference-schema table, in the order rows give them.
var Columns = map[string][]string{
	"clients":     {"client_id", "name", "segment", "account_manager", "customer_since", "churned_at", "churn_reason"},
	"contracts":   {"contract_id", "client_id", "name", "contract_type", "start_date", "end_date", "auto_renew", "monthly_value", "currency", "cancelled_at", "renewal_notice_sent_at"},
	"endpoints":   {"endpoint_id", "client_id", "kind", "added_at", "retired_at"},
	"tickets":     {"ticket_id", "client_id", "created_at", "closed_at", "priority", "sla_breached"},
	"surveys":     {"survey_id", "client_id", "ticket_id", "answered_at", "score"},
	"reviews":     {"review_id", "client_id", "held_at", "kind"},
	"contacts":    {"contact_id", "client_id", "name", "is_renewal_contact", "active"},
	"assessments": {"assessment_id", "client_id", "assessed_at", "standards_total", "standards_met"},
	"invoices":    {"invoice_id", "client_id", "issued_at", "due_at", "amount", "currency", "paid_at", "voided"},
}

// Sink receives generated rows, values in the order of Columns[table].
type Sink interface {
	Row(table string, values ...any) error
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(table string, values ...any) error

// Row implements Sink.
func (f SinkFunc) Row(table string, values ...any) error { return f(table, values...) }

// Money is an amount with two decimals.
type Money float64

// SQLWriter turns rows into batched multi-row INSERT statements and hands
// each statement to emit.
type SQLWriter struct {
	emit    func(stmt []byte) error
	batch   int
	pending map[string]*pending
	order   []string
}

type pending struct {
	rows int
	buf  []byte
}

// NewSQLWriter batches up to batch rows per statement.
func NewSQLWriter(batch int, emit func(stmt []byte) error) *SQLWriter {
	return &SQLWriter{emit: emit, batch: batch, pending: map[string]*pending{}}
}

// Row implements Sink.
func (s *SQLWriter) Row(table string, values ...any) error {
	cols, ok := Columns[table]
	if !ok || len(cols) != len(values) {
		return fmt.Errorf("synth: bad row for %s", table)
	}
	p := s.pending[table]
	if p == nil {
		p = &pending{}
		s.pending[table] = p
		s.order = append(s.order, table)
	}
	if p.rows == 0 {
		p.buf = append(p.buf[:0], "INSERT INTO "...)
		p.buf = append(p.buf, table...)
		p.buf = append(p.buf, " ("...)
		for i, c := range cols {
			if i > 0 {
				p.buf = append(p.buf, ',')
			}
			p.buf = append(p.buf, c...)
		}
		p.buf = append(p.buf, ") VALUES\n("...)
	} else {
		p.buf = append(p.buf, ",\n("...)
	}
	for i, v := range values {
		if i > 0 {
			p.buf = append(p.buf, ',')
		}
		p.buf = appendValue(p.buf, v)
	}
	p.buf = append(p.buf, ')')
	p.rows++
	if p.rows >= s.batch {
		return s.flush(p)
	}
	return nil
}

func (s *SQLWriter) flush(p *pending) error {
	if p.rows == 0 {
		return nil
	}
	p.buf = append(p.buf, ";\n"...)
	p.rows = 0
	return s.emit(p.buf)
}

// Flush emits every pending batch.
func (s *SQLWriter) Flush() error {
	for _, t := range s.order {
		if err := s.flush(s.pending[t]); err != nil {
			return err
		}
	}
	return nil
}

func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "NULL"...)
	case string:
		return appendQuoted(b, x)
	case *string:
		if x == nil {
			return append(b, "NULL"...)
		}
		return appendQuoted(b, *x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case bool:
		if x {
			return append(b, '1')
		}
		return append(b, '0')
	case Money:
		return strconv.AppendFloat(b, float64(x), 'f', 2, 64)
	case model.Date:
		b = append(b, '\'')
		b = append(b, x.String()...)
		return append(b, '\'')
	case *model.Date:
		if x == nil {
			return append(b, "NULL"...)
		}
		return appendValue(b, *x)
	case time.Time:
		b = append(b, '\'')
		b = x.AppendFormat(b, time.DateTime)
		return append(b, '\'')
	case *time.Time:
		if x == nil {
			return append(b, "NULL"...)
		}
		return appendValue(b, *x)
	}
	panic(fmt.Sprintf("synth: unsupported value %T", v))
}

func appendQuoted(b []byte, s string) []byte {
	b = append(b, '\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'':
			b = append(b, '\'', '\'')
		case '\\':
			b = append(b, '\\', '\\')
		default:
			b = append(b, c)
		}
	}
	return append(b, '\'')
}

// WriteSQL generates a dataset as SQL scripts for the psa and billing
// databases.
func WriteSQL(o Options, psa, billing io.Writer) (*Summary, error) {
	pw, bw := bufio.NewWriterSize(psa, 1<<20), bufio.NewWriterSize(billing, 1<<20)
	ps := NewSQLWriter(1000, func(stmt []byte) error { _, err := pw.Write(stmt); return err })
	bs := NewSQLWriter(1000, func(stmt []byte) error { _, err := bw.Write(stmt); return err })
	sum, err := Generate(o, ps, bs)
	if err != nil {
		return nil, err
	}
	for _, f := range []func() error{ps.Flush, bs.Flush, pw.Flush, bw.Flush} {
		if err := f(); err != nil {
			return nil, err
		}
	}
	return sum, nil
}

// Load generates a dataset straight into two open databases that hold
// the reference schema.
func Load(ctx context.Context, o Options, psa, billing *sql.DB) (*Summary, error) {
	exec := func(db *sql.DB) func([]byte) error {
		return func(stmt []byte) error {
			_, err := db.ExecContext(ctx, string(stmt))
			return err
		}
	}
	ps, bs := NewSQLWriter(1000, exec(psa)), NewSQLWriter(1000, exec(billing))
	sum, err := Generate(o, ps, bs)
	if err != nil {
		return nil, err
	}
	if err := ps.Flush(); err != nil {
		return nil, err
	}
	if err := bs.Flush(); err != nil {
		return nil, err
	}
	return sum, nil
}

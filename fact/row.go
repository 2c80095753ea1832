package fact

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/retention-exporter/retention_exporter/model"
)

// Reasons a row is skipped, the values of retention_invalid_rows_total's
// reason label.
const (
	ReasonNullKey           = "null_key"
	ReasonUnknownClient     = "unknown_client"
	ReasonNegativeCount     = "negative_count"
	ReasonCountExceedsTotal = "count_exceeds_total"
	ReasonEndBeforeStart    = "end_before_start"
	ReasonDuplicateID       = "duplicate_id"
	ReasonUnparsableValue   = "unparsable_value"
)

// Reasons lists every reason a row may be skipped for.
var Reasons = []string{
	ReasonNullKey, ReasonUnknownClient, ReasonNegativeCount, ReasonCountExceedsTotal,
	ReasonEndBeforeStart, ReasonDuplicateID, ReasonUnparsableValue,
}

// InvalidRow is why a row was skipped: one of Reasons, and what was
// wrong with the row.
type InvalidRow struct {
	Reason string
	Detail string
}

func (e *InvalidRow) Error() string { return e.Reason + ": " + e.Detail }

func invalid(reason, format string, args ...any) error {
	return &InvalidRow{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// Row reads one result row by column name. Values may arrive as the
// driver's typed values or as text, whatever the schema declares.
type Row struct {
	cols map[string]int
	vals []any
	loc  *time.Location
}

// NewRow is a row of a result with these columns, whose DATETIME values
// are read in loc. Column names are matched case-insensitively.
func NewRow(cols []string, loc *time.Location) *Row {
	r := &Row{cols: map[string]int{}, vals: make([]any, len(cols)), loc: loc}
	for i, c := range cols {
		r.cols[strings.ToLower(c)] = i
	}
	return r
}

// Dest are the pointers to scan a result row into.
func (r *Row) Dest() []any {
	dest := make([]any, len(r.vals))
	for i := range dest {
		dest[i] = &r.vals[i]
	}
	return dest
}

// Has reports whether the result has a column.
func (r *Row) Has(col string) bool {
	_, ok := r.cols[col]
	return ok
}

func (r *Row) raw(col string) any {
	i, ok := r.cols[col]
	if !ok {
		return nil
	}
	return r.vals[i]
}

// text returns a column as valid UTF-8; ok is false for NULL or absent.
func (r *Row) text(col string) (s string, ok bool, err error) {
	switch v := r.raw(col).(type) {
	case nil:
		return "", false, nil
	case []byte:
		s = string(v)
	case string:
		s = v
	case int64:
		s = strconv.FormatInt(v, 10)
	case uint64:
		s = strconv.FormatUint(v, 10)
	case float64:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	case float32:
		s = strconv.FormatFloat(float64(v), 'f', -1, 32)
	case bool:
		s = strconv.FormatBool(v)
	case time.Time:
		s = v.In(r.loc).Format(time.DateTime)
	default:
		return "", false, invalid(ReasonUnparsableValue, "column %s: unsupported type %T", col, v)
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s, true, nil
}

// key returns a non-NULL identifier, compared as text.
func (r *Row) key(col string) (string, error) {
	s, ok, err := r.text(col)
	if err != nil {
		return "", err
	}
	if !ok || strings.TrimSpace(s) == "" {
		return "", invalid(ReasonNullKey, "column %s is NULL or empty", col)
	}
	return s, nil
}

// optText returns a nullable text column as a pointer.
func (r *Row) optText(col string) (*string, error) {
	s, ok, err := r.text(col)
	if err != nil || !ok {
		return nil, err
	}
	return &s, nil
}

func (r *Row) float(col string) (v float64, ok bool, err error) {
	switch x := r.raw(col).(type) {
	case nil:
		return 0, false, nil
	case int64:
		v = float64(x)
	case uint64:
		v = float64(x)
	case float64:
		v = x
	case float32:
		v = float64(x)
	case bool:
		if x {
			v = 1
		}
	default:
		s, _, err := r.text(col)
		if err != nil {
			return 0, false, err
		}
		v, err = strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return 0, false, invalid(ReasonUnparsableValue, "column %s: %q is not a number", col, s)
		}
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false, invalid(ReasonUnparsableValue, "column %s: not a finite number", col)
	}
	return v, true, nil
}

// count returns a non-negative whole number; NULL counts as 0 (SUM over
// no rows is NULL).
func (r *Row) count(col string) (int64, error) {
	var n int64
	switch x := r.raw(col).(type) {
	case nil:
		return 0, nil
	case int64:
		n = x
	case uint64:
		if x > math.MaxInt64 {
			return 0, invalid(ReasonUnparsableValue, "column %s: %d is out of range", col, x)
		}
		n = int64(x)
	default:
		f, _, err := r.float(col)
		if err != nil {
			return 0, err
		}
		if f != math.Trunc(f) || f >= math.MaxInt64 || f <= math.MinInt64 {
			return 0, invalid(ReasonUnparsableValue, "column %s: %v is not a whole number in range", col, f)
		}
		n = int64(f)
	}
	if n < 0 {
		return 0, invalid(ReasonNegativeCount, "column %s is %d", col, n)
	}
	return n, nil
}

// optCount is count for a column the query may leave out.
func (r *Row) optCount(col string) (*int64, error) {
	if _, ok := r.cols[col]; !ok {
		return nil, nil
	}
	n, err := r.count(col)
	return &n, err
}

func (r *Row) bool(col string) (bool, error) {
	switch x := r.raw(col).(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	case int64:
		return x != 0, nil
	case uint64:
		return x != 0, nil
	}
	s, _, err := r.text(col)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "t", "yes", "y":
		return true, nil
	case "0", "false", "f", "no", "n", "":
		return false, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f != 0, nil
	}
	return false, invalid(ReasonUnparsableValue, "column %s: %q is not a boolean", col, s)
}

var dateLayouts = []string{
	time.DateOnly, time.DateTime, "2006-01-02 15:04:05.999999999",
	time.RFC3339Nano, "2006-01-02T15:04:05", "2006/01/02",
}

// date returns a DATE, DATETIME or date string as a calendar date in the
// configured zone; nil for NULL.
func (r *Row) date(col string) (*model.Date, error) {
	var t time.Time
	switch x := r.raw(col).(type) {
	case nil:
		return nil, nil
	case time.Time:
		t = x
	default:
		s, _, err := r.text(col)
		if err != nil {
			return nil, err
		}
		s = strings.TrimSpace(s)
		var perr error = errors.New("no layout")
		for _, l := range dateLayouts {
			if t, perr = time.ParseInLocation(l, s, r.loc); perr == nil {
				break
			}
		}
		if perr != nil {
			return nil, invalid(ReasonUnparsableValue, "column %s: %q is not a date", col, s)
		}
	}
	if t.IsZero() || t.Year() < 1 || t.Year() > 9999 {
		return nil, invalid(ReasonUnparsableValue, "column %s: %v is not a valid date", col, t)
	}
	d := model.DateOf(t.In(r.loc))
	return &d, nil
}

// reqDate is date for a NOT NULL column.
func (r *Row) reqDate(col string) (model.Date, error) {
	d, err := r.date(col)
	if err != nil {
		return 0, err
	}
	if d == nil {
		return 0, invalid(ReasonUnparsableValue, "column %s is NULL", col)
	}
	return *d, nil
}

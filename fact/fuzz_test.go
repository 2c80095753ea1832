package fact

import (
	"math"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzRowValues: whatever bytes a column holds, decoding never panics,
// text is valid UTF-8, counts are never negative and numbers are finite.
func FuzzRowValues(f *testing.F) {
	for _, s := range []string{"", "0", "-1", "42", "1e400", "NaN", "9223372036854775808", "2024-02-29",
		"1970-01-01 00:00:00", "2100-12-31T23:59:59Z", "0000-00-00", "yes", "\xff\xfe", "  7  ", "3.5"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		r := &Row{cols: map[string]int{"v": 0}, vals: []any{raw}, loc: time.UTC}
		if s, ok, err := r.text("v"); err == nil && ok && !utf8.ValidString(s) {
			t.Errorf("text %q is not valid UTF-8", s)
		}
		if n, err := r.count("v"); err == nil && n < 0 {
			t.Errorf("count %d from %q", n, raw)
		}
		if v, ok, err := r.float("v"); err == nil && ok && (math.IsNaN(v) || math.IsInf(v, 0)) {
			t.Errorf("float %v from %q", v, raw)
		}
		_, _ = r.bool("v")
		if d, err := r.date("v"); err == nil && d != nil {
			if y, _, _ := d.YMD(); y < 1 || y > 9999 {
				t.Errorf("date %v from %q", d, raw)
			}
		}
	})
}

// FuzzBuilder: rows of any values never panic the fact builders; a row is
// either decoded or skipped with a reason.
func FuzzBuilder(f *testing.F) {
	f.Add("c1", "Acme", "2020-01-01", "", "5", "3")
	f.Add("", "\xff", "not a date", "2019-01-01", "-1", "99999999999999999999")
	f.Fuzz(func(t *testing.T, id, name, since, churned, a, b string) {
		bld := NewDecoder(time.Time{})
		vals := []any{[]byte(id), []byte(name), []byte(since), []byte(churned)}
		cols := map[string]int{"client_id": 0, "name": 1, "customer_since": 2, "churned_at": 3}
		_ = bld.Start("clients", "")(&Row{cols: cols, vals: vals, loc: time.UTC})
		decodeTickets := bld.Start("tickets", "30d")
		tr := &Row{cols: map[string]int{"client_id": 0, "tickets": 1, "sla_tickets": 2, "sla_breached": 3},
			vals: []any{[]byte(id), []byte(a), []byte(b), []byte(a)}, loc: time.UTC}
		if err := decodeTickets(tr); err == nil {
			got := bld.Facts().Tickets["30d"][id]
			if got.Tickets < 0 || (got.SLABreached != nil && got.SLATickets != nil && *got.SLABreached > *got.SLATickets) {
				t.Errorf("decoded impossible counts %+v", got)
			}
		}
	})
}

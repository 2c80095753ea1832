package source

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/config"
	mysqlschema "github.com/retention-exporter/retention_exporter/deploy/mysql"
	"github.com/retention-exporter/retention_exporter/internal/mariadbtest"
	"github.com/retention-exporter/retention_exporter/internal/testenv"
	"github.com/retention-exporter/retention_exporter/model"
)

// asOfPSA and asOfBilling hold rows dated around 2024-06-15, the day the
// test reads as today, some of them after it.
const asOfPSA = `
INSERT INTO clients (client_id, name, customer_since) VALUES
  ('c1', 'Acme', '2020-01-01'),
  ('c2', 'Beta', '2020-01-01');

INSERT INTO contracts (contract_id, client_id, name, start_date, end_date, monthly_value, currency, renewal_notice_sent_at) VALUES
  ('k1', 'c1', 'Notice next week', '2024-01-01', '2024-12-31', 100, 'USD', '2024-06-22'),
  ('k2', 'c1', 'Notice sent',      '2024-01-01', '2024-12-31', 100, 'USD', '2024-06-01'),
  ('k3', 'c2', 'No notice',        '2024-01-01', '2024-12-31', 100, 'USD', NULL);

-- c1 was reviewed on 1 May and has one planned for next week; c2's only
-- review is planned for the 20th.
INSERT INTO reviews (review_id, client_id, held_at) VALUES
  ('r1', 'c1', '2024-05-01'),
  ('r2', 'c1', '2024-06-22'),
  ('r3', 'c2', '2024-06-20');

INSERT INTO assessments (assessment_id, client_id, assessed_at, standards_total, standards_met) VALUES
  ('a1', 'c1', '2024-05-01', 20, 10),
  ('a2', 'c1', '2024-06-20', 20, 20);
`

const asOfBilling = `
INSERT INTO invoices (invoice_id, client_id, issued_at, due_at, amount, currency, paid_at, voided) VALUES
  -- due 1 May, paid yesterday (14 June): overdue from 2 May to 14 June
  ('i1', 'c1', '2024-04-01', '2024-05-01', 100.00, 'USD', '2024-06-14', 0),
  -- re-issued on the 20th with its original due date, 1 June
  ('i2', 'c2', '2024-06-20', '2024-06-01', 250.00, 'USD', NULL, 0),
  -- issued on the 20th, due 20 July
  ('i3', 'c2', '2024-06-20', '2024-07-20', 400.00, 'USD', NULL, 0),
  -- unpaid since 1 April; and a voided one that never counts
  ('i4', 'c3', '2024-03-01', '2024-04-01',  50.00, 'EUR', NULL, 0),
  ('i5', 'c3', '2024-03-01', '2024-04-01', 900.00, 'EUR', NULL, 1);
`

// at is 12:00 UTC of a date.
func at(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t.Add(12 * time.Hour)
}

func dateOf(s string) model.Date { return model.DateOf(at(s)) }

// TestDefaultQueriesAsOf reads the reference schema with the default
// queries at several instants: a row dated after the instant's today has
// not happened yet, so reading at a past instant gives what a refresh then
// would have read.
func TestDefaultQueriesAsOf(t *testing.T) {
	testenv.Integration(t)
	db := mariadbtest.Started(t) // stops after the connections close
	for _, s := range []struct{ name, ddl, rows string }{
		{"psa", mysqlschema.PSA, asOfPSA},
		{"billing", mysqlschema.Billing, asOfBilling},
	} {
		if err := db.Exec("", "CREATE DATABASE "+s.name); err != nil {
			t.Fatal(err)
		}
		if err := db.Exec(s.name, s.ddl); err != nil {
			t.Fatal(err)
		}
		if err := db.Exec(s.name, s.rows); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("ASOF_PSA_DSN", fmt.Sprintf("root@unix(%s)/psa", db.Socket()))
	t.Setenv("ASOF_BILLING_DSN", fmt.Sprintf("root@unix(%s)/billing", db.Socket()))
	cfg, err := config.Parse([]byte("sources: {psa: {dsn_env: ASOF_PSA_DSN}, billing: {dsn_env: ASOF_BILLING_DSN}}"), "")
	if err != nil {
		t.Fatal(err)
	}
	open := func(name string) *DB {
		d, err := Open(name, cfg.Source(name), cfg.Location())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	psaDB, billingDB := open(config.PSA), open(config.Billing)
	ctx := context.Background()

	readPSA := func(t *testing.T, now time.Time) *model.Facts {
		t.Helper()
		f, reports, err := psaDB.ReadPSA(ctx, cfg, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reports {
			if len(r.Invalid) > 0 {
				t.Errorf("%s: invalid rows %v", r.Query, r.Examples)
			}
		}
		return f
	}
	readOverdue := func(t *testing.T, now time.Time) map[string][]model.Overdue {
		t.Helper()
		f, _, err := billingDB.ReadBilling(ctx, cfg, now)
		if err != nil {
			t.Fatal(err)
		}
		return f.Overdue
	}

	t.Run("renewal notice", func(t *testing.T) {
		for _, tt := range []struct {
			day        string
			wantK1     *model.Date // k1's notice as read
			wantK1Sent float64
		}{
			{"2024-06-15", nil, 0},                           // sent next week: not sent today
			{"2024-06-21", nil, 0},                           // the day before
			{"2024-06-22", ptrDate(dateOf("2024-06-22")), 1}, // the day it is sent
			{"2024-07-01", ptrDate(dateOf("2024-06-22")), 1}, // and after
		} {
			f := readPSA(t, at(tt.day))
			got := map[string]*model.Date{}
			for _, k := range f.Contracts {
				got[k.ID] = k.RenewalNoticeSentAt
			}
			if !sameDate(got["k1"], tt.wantK1) {
				t.Errorf("at %s: k1 notice = %v, want %v", tt.day, got["k1"], tt.wantK1)
			}
			if !sameDate(got["k2"], ptrDate(dateOf("2024-06-01"))) || got["k3"] != nil {
				t.Errorf("at %s: k2 notice = %v, k3 notice = %v", tt.day, got["k2"], got["k3"])
			}
			sent := map[string]float64{}
			for _, r := range model.Compute(cfg.Params(), f, nil).Contracts {
				sent[r.ID] = *r.RenewalNoticeSent
			}
			if want := map[string]float64{"k1": tt.wantK1Sent, "k2": 1, "k3": 0}; !mapsEqual(sent, want) {
				t.Errorf("at %s: renewal notice sent = %v, want %v", tt.day, sent, want)
			}
		}
	})

	t.Run("last review and assessment", func(t *testing.T) {
		for _, tt := range []struct {
			day        string
			reviews    map[string]model.Date
			met        int64 // c1's latest assessment
			assessedAt string
		}{
			// The review planned for next week is not the last one.
			{"2024-06-15", map[string]model.Date{"c1": dateOf("2024-05-01")}, 10, "2024-05-01"},
			{"2024-06-20", map[string]model.Date{"c1": dateOf("2024-05-01"), "c2": dateOf("2024-06-20")}, 20, "2024-06-20"},
			{"2024-06-25", map[string]model.Date{"c1": dateOf("2024-06-22"), "c2": dateOf("2024-06-20")}, 20, "2024-06-20"},
		} {
			f := readPSA(t, at(tt.day))
			if !mapsEqual(f.Reviews, tt.reviews) {
				t.Errorf("at %s: last reviews = %v, want %v", tt.day, f.Reviews, tt.reviews)
			}
			if a := f.Assessments["c1"]; a.Met != tt.met || a.Total != 20 || !sameDate(a.AssessedAt, ptrDate(dateOf(tt.assessedAt))) {
				t.Errorf("at %s: c1 assessment = %d of %d on %v, want %d of 20 on %s", tt.day, a.Met, a.Total, a.AssessedAt, tt.met, tt.assessedAt)
			}
		}
	})

	// A custom assessments query not bound to :today returns next week's
	// assessment as c1's latest. With its date the model ignores it, and
	// the earlier one cannot stand in: c1 has no best-practice ratio until
	// the day it is made. Without the date the exporter cannot tell.
	t.Run("assessment after today from a custom query", func(t *testing.T) {
		latest := func(dateCol string) string {
			return `SELECT client_id, ` + dateCol + ` standards_total, standards_met
FROM (
  SELECT client_id, assessed_at, standards_total, standards_met,
         ROW_NUMBER() OVER (PARTITION BY client_id
                            ORDER BY assessed_at DESC, assessment_id DESC) AS rn
  FROM assessments
) latest
WHERE rn = 1`
		}
		for _, q := range []struct {
			name, dateCol string
			dated         bool
		}{
			{"DATE", "assessed_at,", true},
			{"string", "CAST(assessed_at AS CHAR) AS assessed_at,", true},
			{"left out", "", false},
		} {
			custom, err := config.Parse([]byte(`
sources: {psa: {dsn_env: ASOF_PSA_DSN}, billing: {dsn_env: ASOF_BILLING_DSN}}
queries:
  assessments:
    sql: |
`+indent(latest(q.dateCol), "      ")), "")
			if err != nil {
				t.Fatal(err)
			}
			for _, tt := range []struct {
				day    string
				wantBP *float64
			}{
				{"2024-06-15", nil},
				{"2024-06-19", nil},
				{"2024-06-20", ptrFloat(1)}, // the day it is made: 20 of 20
				{"2024-06-25", ptrFloat(1)},
			} {
				f, reports, err := psaDB.ReadPSA(ctx, custom, at(tt.day))
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range reports {
					if len(r.Invalid) > 0 {
						t.Errorf("%s at %s: %s: invalid rows %v", q.name, tt.day, r.Query, r.Examples)
					}
				}
				a, ok := f.Assessments["c1"]
				want := ptrDate(dateOf("2024-06-20"))
				if !q.dated {
					want = nil
				}
				if !ok || a.Met != 20 || a.Total != 20 || !sameDate(a.AssessedAt, want) {
					t.Errorf("%s at %s: c1 assessment = %d of %d on %v (ok %v), want 20 of 20 on %v", q.name, tt.day, a.Met, a.Total, a.AssessedAt, ok, want)
				}
				wantBP := tt.wantBP
				if !q.dated {
					wantBP = ptrFloat(1) // taken as it is
				}
				var bp *float64
				var components []string
				for _, c := range model.Compute(custom.Params(), f, nil).Clients {
					if c.ID != "c1" {
						continue
					}
					bp = c.BestPractice
					for _, s := range c.Components {
						components = append(components, string(s.Component))
					}
				}
				if (bp == nil) != (wantBP == nil) || (bp != nil && *bp != *wantBP) {
					t.Errorf("%s at %s: c1 best practice = %v, want %v", q.name, tt.day, fmtFloat(bp), fmtFloat(wantBP))
				}
				if got := slices.Contains(components, string(model.ComponentBestPractice)); got != (wantBP != nil) {
					t.Errorf("%s at %s: c1 components = %v", q.name, tt.day, components)
				}
			}
		}
	})

	t.Run("overdue invoices", func(t *testing.T) {
		c1 := []model.Overdue{{Currency: "USD", Invoices: 1, Amount: ptrFloat(100), OldestDue: ptrDate(dateOf("2024-05-01"))}}
		c2 := []model.Overdue{{Currency: "USD", Invoices: 1, Amount: ptrFloat(250), OldestDue: ptrDate(dateOf("2024-06-01"))}}
		c3 := []model.Overdue{{Currency: "EUR", Invoices: 1, Amount: ptrFloat(50), OldestDue: ptrDate(dateOf("2024-04-01"))}}
		for _, tt := range []struct {
			day  string
			want map[string][]model.Overdue
		}{
			// A month ago the invoice paid yesterday was overdue.
			{"2024-05-15", map[string][]model.Overdue{"c1": c1, "c3": c3}},
			{"2024-06-13", map[string][]model.Overdue{"c1": c1, "c3": c3}},
			// Paid on the 14th: no longer overdue from that day. The
			// invoices issued on the 20th are not overdue before they
			// exist, whatever their due date.
			{"2024-06-14", map[string][]model.Overdue{"c3": c3}},
			{"2024-06-15", map[string][]model.Overdue{"c3": c3}},
			// Issued, due 1 June and unpaid: overdue; the one due in
			// July not yet.
			{"2024-06-25", map[string][]model.Overdue{"c2": c2, "c3": c3}},
		} {
			got := readOverdue(t, at(tt.day))
			if !overdueEqual(got, tt.want) {
				t.Errorf("at %s: overdue = %v, want %v", tt.day, fmtOverdue(got), fmtOverdue(tt.want))
			}
		}
	})
}

func ptrDate(d model.Date) *model.Date { return &d }
func ptrFloat(v float64) *float64      { return &v }

func fmtFloat(v *float64) string {
	if v == nil {
		return "absent"
	}
	return fmt.Sprint(*v)
}

// indent prefixes every line of s.
func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix) + "\n"
}

func sameDate(a, b *model.Date) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

func mapsEqual[V comparable](a, b map[string]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func overdueEqual(a, b map[string][]model.Overdue) bool {
	if len(a) != len(b) {
		return false
	}
	for id, rows := range a {
		if !slices.EqualFunc(rows, b[id], func(x, y model.Overdue) bool {
			return x.Currency == y.Currency && x.Invoices == y.Invoices &&
				(x.Amount == nil) == (y.Amount == nil) && (x.Amount == nil || *x.Amount == *y.Amount) &&
				sameDate(x.OldestDue, y.OldestDue)
		}) {
			return false
		}
	}
	return true
}

func fmtOverdue(m map[string][]model.Overdue) string {
	s := "{"
	for _, id := range []string{"c1", "c2", "c3"} {
		for _, o := range m[id] {
			amount := "nil"
			if o.Amount != nil {
				amount = fmt.Sprint(*o.Amount)
			}
			s += fmt.Sprintf(" %s:%s×%d=%s due %v", id, o.Currency, o.Invoices, amount, o.OldestDue)
		}
	}
	return s + " }"
}

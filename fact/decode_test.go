package fact

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/model"
)

// newRow builds a result row from column/value pairs, as runQuery does.
func newRow(loc *time.Location, kv ...any) *Row {
	r := &Row{cols: map[string]int{}, loc: loc}
	for i := 0; i < len(kv); i += 2 {
		r.cols[kv[i].(string)] = len(r.vals)
		r.vals = append(r.vals, kv[i+1])
	}
	return r
}

// reasonOf is the skip reason of err, "" for nil and "!" for an error that
// is not a skipped row.
func reasonOf(err error) string {
	if err == nil {
		return ""
	}
	var bad *InvalidRow
	if errors.As(err, &bad) {
		return bad.Reason
	}
	return "!"
}

func checkReason(t *testing.T, err error, want string) {
	t.Helper()
	if got := reasonOf(err); got != want {
		t.Errorf("reason = %q (err %v), want %q", got, err, want)
	}
}

func date(s string) model.Date {
	tm, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return model.NewDate(tm.Year(), tm.Month(), tm.Day())
}

func datep(s string) *model.Date { d := date(s); return &d }

func TestRowKey(t *testing.T) {
	tests := []struct {
		name       string
		val        any
		want       string
		wantReason string
	}{
		{"int64", int64(42), "42", ""},
		{"negative int64", int64(-7), "-7", ""},
		{"uint64", uint64(18446744073709551615), "18446744073709551615", ""},
		{"string", "ACME-1", "ACME-1", ""},
		{"bytes", []byte("ACME-2"), "ACME-2", ""},
		{"bytes of digits equal the int", []byte("42"), "42", ""},
		{"whole float", float64(42), "42", ""},
		{"invalid UTF-8 is sanitised", []byte{'a', 0xff, 'b'}, "a\uFFFDb", ""},
		{"NULL", nil, "", ReasonNullKey},
		{"empty", "", "", ReasonNullKey},
		{"blank", []byte("  \t"), "", ReasonNullKey},
		{"unsupported type", struct{}{}, "", ReasonUnparsableValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := newRow(time.UTC, "client_id", tt.val).key("client_id")
			checkReason(t, err, tt.wantReason)
			if err == nil && got != tt.want {
				t.Errorf("key = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("absent column", func(t *testing.T) {
		_, err := newRow(time.UTC).key("client_id")
		checkReason(t, err, ReasonNullKey)
	})
}

func TestRowText(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	tests := []struct {
		name   string
		val    any
		want   string
		wantOK bool
	}{
		{"string", "Acme GmbH", "Acme GmbH", true},
		{"bytes", []byte("Müller & Söhne"), "Müller & Söhne", true},
		{"invalid UTF-8 bytes", []byte{0xc3, 0x28, 'x'}, "\uFFFD(x", true},
		{"invalid UTF-8 string", "ok\xffok", "ok\uFFFDok", true},
		{"int64", int64(7), "7", true},
		{"float64", 2.5, "2.5", true},
		{"float32", float32(0.5), "0.5", true},
		{"bool", true, "true", true},
		{"time in the row's zone", time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC), "2024-03-01 13:00:00", true},
		{"NULL", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := newRow(berlin, "name", tt.val).text("name")
			if err != nil {
				t.Fatalf("text: %v", err)
			}
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("text = %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestRowBool(t *testing.T) {
	tests := []struct {
		val        any
		want       bool
		wantReason string
	}{
		{int64(1), true, ""},
		{int64(0), false, ""},
		{int64(-1), true, ""},
		{uint64(1), true, ""},
		{true, true, ""},
		{false, false, ""},
		{nil, false, ""},
		{"1", true, ""},
		{"0", false, ""},
		{[]byte("1"), true, ""},
		{[]byte("0"), false, ""},
		{"true", true, ""},
		{"TRUE", true, ""},
		{"false", false, ""},
		{"yes", true, ""},
		{" Yes ", true, ""},
		{"no", false, ""},
		{"y", true, ""},
		{"n", false, ""},
		{"t", true, ""},
		{"f", false, ""},
		{"", false, ""},
		{"2", true, ""},
		{"0.0", false, ""},
		{"maybe", false, ReasonUnparsableValue},
	}
	for _, tt := range tests {
		got, err := newRow(time.UTC, "auto_renew", tt.val).bool("auto_renew")
		if reasonOf(err) != tt.wantReason {
			t.Errorf("bool(%#v): reason %q (err %v), want %q", tt.val, reasonOf(err), err, tt.wantReason)
			continue
		}
		if err == nil && got != tt.want {
			t.Errorf("bool(%#v) = %v, want %v", tt.val, got, tt.want)
		}
	}
}

func TestRowFloat(t *testing.T) {
	tests := []struct {
		name       string
		val        any
		want       float64
		wantOK     bool
		wantReason string
	}{
		{"DECIMAL as bytes", []byte("1234.50"), 1234.5, true, ""},
		{"string with spaces", " 12 ", 12, true, ""},
		{"int64", int64(-3), -3, true, ""},
		{"uint64", uint64(5), 5, true, ""},
		{"float64", 0.25, 0.25, true, ""},
		{"float32", float32(0.5), 0.5, true, ""},
		{"NULL", nil, 0, false, ""},
		{"not a number", "12,50", 0, false, ReasonUnparsableValue},
		{"NaN", math.NaN(), 0, false, ReasonUnparsableValue},
		{"NaN text", "NaN", 0, false, ReasonUnparsableValue},
		{"infinity", math.Inf(1), 0, false, ReasonUnparsableValue},
		{"infinity text", []byte("-Inf"), 0, false, ReasonUnparsableValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := newRow(time.UTC, "monthly_value", tt.val).float("monthly_value")
			checkReason(t, err, tt.wantReason)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("float = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestRowCount(t *testing.T) {
	tests := []struct {
		name       string
		val        any
		want       int64
		wantReason string
	}{
		{"int64", int64(12), 12, ""},
		{"zero", int64(0), 0, ""},
		{"max int64", int64(math.MaxInt64), math.MaxInt64, ""},
		{"uint64", uint64(9), 9, ""},
		{"SUM as DECIMAL bytes", []byte("12"), 12, ""},
		{"DECIMAL with zero fraction", []byte("12.000"), 12, ""},
		{"whole float", float64(3), 3, ""},
		{"NULL counts as 0", nil, 0, ""},
		{"negative int64", int64(-1), 0, ReasonNegativeCount},
		{"negative text", "-3", 0, ReasonNegativeCount},
		{"negative float", float64(-2), 0, ReasonNegativeCount},
		{"uint64 beyond int64", uint64(math.MaxInt64) + 1, 0, ReasonUnparsableValue},
		{"text beyond int64", "9223372036854775808", 0, ReasonUnparsableValue},
		{"text far beyond int64", []byte("100000000000000000000"), 0, ReasonUnparsableValue},
		{"text far below int64", "-100000000000000000000", 0, ReasonUnparsableValue},
		{"fraction", []byte("2.5"), 0, ReasonUnparsableValue},
		{"negative fraction", -0.5, 0, ReasonUnparsableValue},
		{"NaN", math.NaN(), 0, ReasonUnparsableValue},
		{"NaN text", "NaN", 0, ReasonUnparsableValue},
		{"infinity", math.Inf(1), 0, ReasonUnparsableValue},
		{"not a number", "many", 0, ReasonUnparsableValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := newRow(time.UTC, "tickets", tt.val).count("tickets")
			checkReason(t, err, tt.wantReason)
			if err == nil && got != tt.want {
				t.Errorf("count = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestRowOptCount(t *testing.T) {
	r := newRow(time.UTC, "sla_tickets", int64(4), "sla_breached", nil)
	if n, err := r.optCount("sla_tickets"); err != nil || n == nil || *n != 4 {
		t.Errorf("present column: %v, %v; want 4", n, err)
	}
	if n, err := r.optCount("sla_breached"); err != nil || n == nil || *n != 0 {
		t.Errorf("NULL column: %v, %v; want 0", n, err)
	}
	if n, err := r.optCount("missing"); err != nil || n != nil {
		t.Errorf("absent column: %v, %v; want nil", n, err)
	}
	if _, err := newRow(time.UTC, "sla_tickets", int64(-4)).optCount("sla_tickets"); reasonOf(err) != ReasonNegativeCount {
		t.Errorf("negative optional count: err %v, want %s", err, ReasonNegativeCount)
	}
}

func TestRowDate(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	tests := []struct {
		name       string
		loc        *time.Location
		val        any
		want       string // "" for NULL
		wantReason string
	}{
		{"DATE as time.Time", time.UTC, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "2024-02-29", ""},
		{"DATETIME as time.Time", time.UTC, time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC), "2024-02-29", ""},
		// The driver hands times over in the configured zone; one in another
		// zone is read as its instant in the configured zone.
		{"time.Time in another zone", berlin, time.Date(2024, 2, 29, 23, 30, 0, 0, time.UTC), "2024-03-01", ""},
		{"time.Time in the configured zone", berlin, time.Date(2024, 3, 1, 0, 30, 0, 0, berlin), "2024-03-01", ""},
		{"DATE string", time.UTC, "2024-02-29", "2024-02-29", ""},
		{"DATE bytes", berlin, []byte("2024-03-01"), "2024-03-01", ""},
		{"DATETIME string", berlin, "2024-03-01 00:30:00", "2024-03-01", ""},
		{"DATETIME with fraction", time.UTC, []byte("2024-03-01 23:59:59.999999"), "2024-03-01", ""},
		{"RFC 3339", time.UTC, "2024-03-01T10:00:00Z", "2024-03-01", ""},
		{"ISO without zone", time.UTC, "2024-03-01T10:00:00", "2024-03-01", ""},
		{"slashes", time.UTC, "2024/03/01", "2024-03-01", ""},
		{"surrounding space", time.UTC, " 2024-03-01 ", "2024-03-01", ""},
		{"before 1970", time.UTC, "1965-07-04", "1965-07-04", ""},
		{"NULL", time.UTC, nil, "", ""},
		{"zero date", time.UTC, "0000-00-00", "", ReasonUnparsableValue},
		{"zero datetime", time.UTC, []byte("0000-00-00 00:00:00"), "", ReasonUnparsableValue},
		{"zero time.Time", time.UTC, time.Time{}, "", ReasonUnparsableValue},
		{"not a date", time.UTC, "yesterday", "", ReasonUnparsableValue},
		{"31 February", time.UTC, "2024-02-31", "", ReasonUnparsableValue},
		{"number", time.UTC, int64(20240301), "", ReasonUnparsableValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := newRow(tt.loc, "held_at", tt.val).date("held_at")
			checkReason(t, err, tt.wantReason)
			if err != nil {
				return
			}
			switch {
			case tt.want == "" && d != nil:
				t.Errorf("date = %s, want NULL", d)
			case tt.want != "" && d == nil:
				t.Errorf("date = NULL, want %s", tt.want)
			case d != nil && d.String() != tt.want:
				t.Errorf("date = %s, want %s", d, tt.want)
			}
		})
	}
	t.Run("required date NULL", func(t *testing.T) {
		_, err := newRow(time.UTC, "customer_since", nil).reqDate("customer_since")
		checkReason(t, err, ReasonUnparsableValue)
	})
	t.Run("required date absent", func(t *testing.T) {
		_, err := newRow(time.UTC).reqDate("customer_since")
		checkReason(t, err, ReasonUnparsableValue)
	})
}

// feed runs one query's rows through a builder and returns each row's skip
// reason ("" when accepted).
func feed(b *Decoder, query, window string, rows []*Row) []string {
	dec := b.Start(query, window)
	var reasons []string
	for _, r := range rows {
		reasons = append(reasons, reasonOf(dec(r)))
	}
	return reasons
}

// psaBuilder returns a builder that has read clients c1 and c2.
func psaBuilder(t *testing.T) *Decoder {
	t.Helper()
	b := NewDecoder(time.Time{})
	got := feed(b, model.QueryClients, "", []*Row{
		clientRow("c1", "2020-01-01", nil),
		clientRow("c2", "2021-01-01", nil),
	})
	for i, r := range got {
		if r != "" {
			t.Fatalf("client row %d skipped: %s", i, r)
		}
	}
	return b
}

func clientRow(id any, since, churned any) *Row {
	return newRow(time.UTC, "client_id", id, "name", "Client", "customer_since", since,
		"segment", nil, "account_manager", nil, "churned_at", churned, "churn_reason", nil)
}

func contractRow(id, client any, start, end any) *Row {
	return newRow(time.UTC, "contract_id", id, "client_id", client, "name", "Managed",
		"start_date", start, "end_date", end, "monthly_value", []byte("100.00"), "currency", "USD")
}

func equalReasons(a, b []string) bool {
	return strings.Join(a, ",") == strings.Join(b, ",")
}

func TestBuilderClients(t *testing.T) {
	b := NewDecoder(time.Time{})
	rows := []*Row{
		newRow(time.UTC, "client_id", int64(7), "name", []byte("Acme"), "customer_since", "2020-02-29",
			"segment", "smb", "account_manager", "Ann", "churned_at", nil, "churn_reason", nil),
		clientRow("7", "2020-01-01", nil),           // same id as text
		clientRow(nil, "2020-01-01", nil),           // NULL key
		clientRow("c3", "2022-01-01", "2021-12-31"), // churned before start
		clientRow("c4", nil, nil),                   // customer_since NULL
		clientRow("c5", "2022-01-01", "2022-01-01"), // churned the day it started: fine
		newRow(time.UTC, "client_id", "c6", "customer_since", "2023-05-05", "name", "Only required"), // optional columns left out
		clientRow("c7", "not a date", nil),
	}
	want := []string{"", ReasonDuplicateID, ReasonNullKey, ReasonEndBeforeStart, ReasonUnparsableValue, "", "", ReasonUnparsableValue}
	if got := feed(b, model.QueryClients, "", rows); !equalReasons(got, want) {
		t.Errorf("reasons = %v, want %v", got, want)
	}
	if len(b.Facts().Clients) != 3 {
		t.Fatalf("clients = %+v, want 3", b.Facts().Clients)
	}
	c := b.Facts().Clients[0]
	if c.ID != "7" || c.Name != "Acme" || c.Segment != "smb" || c.AccountManager != "Ann" ||
		c.CustomerSince != date("2020-02-29") || c.ChurnedAt != nil || c.ChurnReason != nil {
		t.Errorf("client 7 = %+v", c)
	}
	if c6 := b.Facts().Clients[2]; c6.ID != "c6" || c6.Segment != "" || c6.ChurnedAt != nil || c6.ChurnReason != nil {
		t.Errorf("client c6 = %+v", c6)
	}
	for _, id := range []string{"7", "c5", "c6"} {
		if !b.b.clients[id] {
			t.Errorf("client %s not known to later facts", id)
		}
	}
	if b.b.clients["c3"] || b.b.clients["c4"] {
		t.Errorf("skipped clients are known to later facts: %v", b.b.clients)
	}
}

func TestBuilderContracts(t *testing.T) {
	b := psaBuilder(t)
	full := newRow(time.UTC, "contract_id", int64(1), "client_id", []byte("c1"), "name", "Managed",
		"contract_type", nil, "start_date", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		"end_date", "2024-12-31", "auto_renew", int64(1), "monthly_value", []byte("1234.50"),
		"currency", "EUR", "cancelled_at", nil, "renewal_notice_sent_at", []byte("2024-10-01"))
	rows := []*Row{
		full,
		contractRow("1", "c2", "2024-01-01", nil),           // duplicate id (compared as text)
		contractRow("k2", "c9", "2024-01-01", nil),          // unknown client
		contractRow("k3", "c1", "2024-06-01", "2024-05-31"), // ends before it starts
		contractRow("k4", "c1", "2024-06-01", "2024-06-01"), // one-day contract: fine
		contractRow(nil, "c1", "2024-01-01", nil),           // NULL contract id
		contractRow("k5", nil, "2024-01-01", nil),           // NULL client id
		contractRow("k6", "c2", nil, nil),                   // start_date NULL
		newRow(time.UTC, "contract_id", "k7", "client_id", "c2", "name", "x", "start_date", "2024-01-01",
			"monthly_value", "lots"), // unparsable value
		newRow(time.UTC, "contract_id", "k8", "client_id", "c2", "name", "x", "start_date", "2024-01-01",
			"auto_renew", "maybe"), // unparsable boolean
		newRow(time.UTC, "contract_id", "k9", "client_id", "c2", "name", "Evergreen", "start_date", "2024-01-01"),
	}
	want := []string{"", ReasonDuplicateID, ReasonUnknownClient, ReasonEndBeforeStart, "",
		ReasonNullKey, ReasonNullKey, ReasonUnparsableValue, ReasonUnparsableValue, ReasonUnparsableValue, ""}
	if got := feed(b, model.QueryContracts, "", rows); !equalReasons(got, want) {
		t.Errorf("reasons = %v, want %v", got, want)
	}
	if len(b.Facts().Contracts) != 3 {
		t.Fatalf("contracts = %+v, want 3", b.Facts().Contracts)
	}
	k := b.Facts().Contracts[0]
	if k.ID != "1" || k.ClientID != "c1" || k.Type != nil || k.StartDate != date("2024-01-01") ||
		k.EndDate == nil || *k.EndDate != date("2024-12-31") || !k.AutoRenew || k.MonthlyValue != 1234.5 ||
		k.Currency != "EUR" || k.CancelledAt != nil || k.RenewalNoticeSentAt == nil || *k.RenewalNoticeSentAt != date("2024-10-01") {
		t.Errorf("contract 1 = %+v", k)
	}
	if k9 := b.Facts().Contracts[2]; k9.ID != "k9" || k9.EndDate != nil || k9.AutoRenew || k9.MonthlyValue != 0 || k9.Type != nil {
		t.Errorf("contract k9 with optional columns left out = %+v", k9)
	}
}

func TestBuilderContractsNoRowsIsNotDisabled(t *testing.T) {
	b := psaBuilder(t)
	feed(b, model.QueryContracts, "", nil)
	feed(b, model.QueryEndpoints, "", nil)
	feed(b, model.QueryTickets, "30d", nil)
	if b.Facts().Contracts == nil || b.Facts().Endpoints == nil || b.Facts().Tickets["30d"] == nil {
		t.Errorf("an enabled query without rows must give empty, not nil, facts: %+v", b.Facts())
	}
	if b.Facts().Surveys != nil || b.Facts().Reviews != nil {
		t.Errorf("queries that did not run must stay nil: %+v", b.Facts())
	}
}

func TestBuilderPerClientCounts(t *testing.T) {
	for _, q := range []struct{ query, col string }{
		{model.QueryEndpoints, "endpoints"},
		{model.QueryContacts, "renewal_contacts"},
	} {
		t.Run(q.query, func(t *testing.T) {
			b := psaBuilder(t)
			rows := []*Row{
				newRow(time.UTC, "client_id", "c1", q.col, int64(5)),
				newRow(time.UTC, "client_id", "c1", q.col, int64(6)),    // duplicate
				newRow(time.UTC, "client_id", "c9", q.col, int64(1)),    // unknown client
				newRow(time.UTC, "client_id", nil, q.col, int64(1)),     // NULL key
				newRow(time.UTC, "client_id", "c2", q.col, int64(-1)),   // negative
				newRow(time.UTC, "client_id", "c2", q.col, []byte("3")), // fine after the bad row
			}
			want := []string{"", ReasonDuplicateID, ReasonUnknownClient, ReasonNullKey, ReasonNegativeCount, ""}
			if got := feed(b, q.query, "", rows); !equalReasons(got, want) {
				t.Errorf("reasons = %v, want %v", got, want)
			}
			m := b.Facts().Endpoints
			if q.query == model.QueryContacts {
				m = b.Facts().Contacts
			}
			if len(m) != 2 || m["c1"] != 5 || m["c2"] != 3 {
				t.Errorf("facts = %v, want c1:5 c2:3", m)
			}
		})
	}
}

func TestBuilderTickets(t *testing.T) {
	b := psaBuilder(t)
	rows := []*Row{
		newRow(time.UTC, "client_id", "c1", "tickets", int64(9), "sla_tickets", int64(2), "sla_breached", int64(3)),
		newRow(time.UTC, "client_id", "c1", "tickets", int64(9), "sla_tickets", int64(4), "sla_breached", []byte("1")),
		newRow(time.UTC, "client_id", "c1", "tickets", int64(1)),
		newRow(time.UTC, "client_id", "c2", "tickets", int64(-2)),
		newRow(time.UTC, "client_id", "c2", "tickets", int64(2), "sla_tickets", int64(0), "sla_breached", nil),
	}
	want := []string{ReasonCountExceedsTotal, "", ReasonDuplicateID, ReasonNegativeCount, ""}
	if got := feed(b, model.QueryTickets, "90d", rows); !equalReasons(got, want) {
		t.Errorf("reasons = %v, want %v", got, want)
	}
	got := b.Facts().Tickets["90d"]
	c1 := got["c1"]
	if c1.Tickets != 9 || c1.SLATickets == nil || *c1.SLATickets != 4 || c1.SLABreached == nil || *c1.SLABreached != 1 {
		t.Errorf("c1 = %+v", c1)
	}
	c2 := got["c2"]
	if c2.Tickets != 2 || c2.SLATickets == nil || *c2.SLATickets != 0 || c2.SLABreached == nil || *c2.SLABreached != 0 {
		t.Errorf("c2 = %+v", c2)
	}

	// Each window is its own run: the same client may appear once per window,
	// and SLA columns left out of the query stay nil.
	feed(b, model.QueryTickets, "30d", []*Row{newRow(time.UTC, "client_id", "c1", "tickets", int64(3))})
	if c := b.Facts().Tickets["30d"]["c1"]; c.Tickets != 3 || c.SLATickets != nil || c.SLABreached != nil {
		t.Errorf("30d c1 = %+v", c)
	}
	if len(b.Facts().Tickets["90d"]) != 2 {
		t.Errorf("the 30d run changed the 90d facts: %+v", b.Facts().Tickets)
	}
}

func TestBuilderSurveys(t *testing.T) {
	b := psaBuilder(t)
	rows := []*Row{
		newRow(time.UTC, "client_id", "c1", "responses", int64(2), "positive", int64(3)),
		newRow(time.UTC, "client_id", "c1", "responses", int64(4), "positive", []byte("3")),
		newRow(time.UTC, "client_id", "c2", "responses", int64(0), "positive", nil), // SUM over no rows
		newRow(time.UTC, "client_id", "c2", "responses", int64(1), "positive", int64(1)),
		newRow(time.UTC, "client_id", "c9", "responses", int64(1), "positive", int64(1)),
	}
	want := []string{ReasonCountExceedsTotal, "", "", ReasonDuplicateID, ReasonUnknownClient}
	if got := feed(b, model.QuerySurveys, "90d", rows); !equalReasons(got, want) {
		t.Errorf("reasons = %v, want %v", got, want)
	}
	if s := b.Facts().Surveys; len(s) != 2 || s["c1"] != (model.SurveyCounts{Responses: 4, Positive: 3}) || s["c2"] != (model.SurveyCounts{}) {
		t.Errorf("surveys = %+v", s)
	}
}

func TestBuilderAssessments(t *testing.T) {
	b := psaBuilder(t)
	rows := []*Row{
		newRow(time.UTC, "client_id", "c1", "standards_total", int64(10), "standards_met", int64(11)),
		newRow(time.UTC, "client_id", "c1", "standards_total", int64(10), "standards_met", int64(10)),
		newRow(time.UTC, "client_id", "c2", "standards_total", int64(-1), "standards_met", int64(0)),
		newRow(time.UTC, "client_id", "c2", "standards_total", int64(0), "standards_met", int64(0)),
	}
	want := []string{ReasonCountExceedsTotal, "", ReasonNegativeCount, ""}
	if got := feed(b, model.QueryAssessments, "", rows); !equalReasons(got, want) {
		t.Errorf("reasons = %v, want %v", got, want)
	}
	if a := b.Facts().Assessments; len(a) != 2 || a["c1"] != (model.Assessment{Total: 10, Met: 10}) {
		t.Errorf("assessments = %+v", a)
	}
}

// The optional assessed_at column is read like the other dates: DATE,
// DATETIME or text, NULL or left out meaning no date.
func TestBuilderAssessmentDate(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no zone data: %v", err)
	}
	base := []any{"client_id", "c1", "standards_total", int64(20), "standards_met", int64(15)}
	tests := []struct {
		name       string
		loc        *time.Location
		cols       []any // assessed_at and its value, nil to leave the column out
		want       *model.Date
		wantReason string
	}{
		{"DATE", time.UTC, []any{"assessed_at", time.Date(2024, time.June, 15, 0, 0, 0, 0, time.UTC)}, datep("2024-06-15"), ""},
		{"DATETIME", time.UTC, []any{"assessed_at", time.Date(2024, time.June, 15, 23, 30, 0, 0, time.UTC)}, datep("2024-06-15"), ""},
		{"DATETIME read in the configured zone", berlin, []any{"assessed_at", time.Date(2024, time.June, 15, 23, 30, 0, 0, time.UTC)}, datep("2024-06-16"), ""},
		{"date string", time.UTC, []any{"assessed_at", "2024-06-16"}, datep("2024-06-16"), ""},
		{"date bytes", time.UTC, []any{"assessed_at", []byte("2024-06-14")}, datep("2024-06-14"), ""},
		{"datetime string", time.UTC, []any{"assessed_at", " 2024-06-15 08:00:00 "}, datep("2024-06-15"), ""},
		{"NULL", time.UTC, []any{"assessed_at", nil}, nil, ""},
		{"column left out", time.UTC, nil, nil, ""},
		{"not a date", time.UTC, []any{"assessed_at", "last week"}, nil, ReasonUnparsableValue},
		{"zero date", time.UTC, []any{"assessed_at", time.Time{}}, nil, ReasonUnparsableValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := psaBuilder(t)
			r := newRow(tt.loc, append(slices.Clone(base), tt.cols...)...)
			if got := feed(b, model.QueryAssessments, "", []*Row{r}); !equalReasons(got, []string{tt.wantReason}) {
				t.Fatalf("reasons = %v, want [%s]", got, tt.wantReason)
			}
			a, ok := b.Facts().Assessments["c1"]
			if tt.wantReason != "" {
				if ok {
					t.Errorf("skipped row recorded: %+v", a)
				}
				return
			}
			if !ok || a.Total != 20 || a.Met != 15 {
				t.Fatalf("assessments = %+v", b.Facts().Assessments)
			}
			switch {
			case a.AssessedAt == nil && tt.want == nil:
			case a.AssessedAt == nil || tt.want == nil || *a.AssessedAt != *tt.want:
				t.Errorf("assessed at = %v, want %v", a.AssessedAt, tt.want)
			}
		})
	}
}

func TestBuilderReviews(t *testing.T) {
	b := psaBuilder(t)
	rows := []*Row{
		newRow(time.UTC, "client_id", "c1", "last_review_at", "2024-05-01"),
		newRow(time.UTC, "client_id", "c1", "last_review_at", "2024-05-02"),
		newRow(time.UTC, "client_id", "c2", "last_review_at", nil), // no review: nothing to record
		newRow(time.UTC, "client_id", "c2", "last_review_at", "soon"),
	}
	want := []string{"", ReasonDuplicateID, "", ReasonUnparsableValue}
	if got := feed(b, model.QueryReviews, "", rows); !equalReasons(got, want) {
		t.Errorf("reasons = %v, want %v", got, want)
	}
	if r := b.Facts().Reviews; len(r) != 1 || r["c1"] != date("2024-05-01") {
		t.Errorf("reviews = %+v", r)
	}
}

func TestBuilderInvoices(t *testing.T) {
	// The billing builder has no clients fact: client ids are not checked.
	b := NewDecoder(time.Time{})
	rows := []*Row{
		newRow(time.UTC, "client_id", "c1", "currency", "USD", "overdue_invoices", int64(2),
			"overdue_amount", []byte("150.50"), "oldest_due_at", "2024-05-01"),
		newRow(time.UTC, "client_id", "c1", "currency", "EUR", "overdue_invoices", int64(1),
			"overdue_amount", []byte("20.00"), "oldest_due_at", "2024-04-01"),
		newRow(time.UTC, "client_id", "c1", "currency", "USD", "overdue_invoices", int64(1)), // duplicate client+currency
		newRow(time.UTC, "client_id", "x9", "overdue_invoices", int64(1)),                    // optional columns left out
		newRow(time.UTC, "client_id", nil, "overdue_invoices", int64(1)),
		newRow(time.UTC, "client_id", "x8", "overdue_invoices", int64(-1)),
		newRow(time.UTC, "client_id", "x7", "overdue_invoices", int64(1), "overdue_amount", math.NaN()),
	}
	want := []string{"", "", ReasonDuplicateID, "", ReasonNullKey, ReasonNegativeCount, ReasonUnparsableValue}
	if got := feed(b, model.QueryInvoices, "", rows); !equalReasons(got, want) {
		t.Errorf("reasons = %v, want %v", got, want)
	}
	o := b.Facts().Overdue
	if len(o) != 2 || len(o["c1"]) != 2 || len(o["x9"]) != 1 {
		t.Fatalf("overdue = %+v", o)
	}
	usd := o["c1"][0]
	if usd.Currency != "USD" || usd.Invoices != 2 || usd.Amount == nil || *usd.Amount != 150.5 ||
		usd.OldestDue == nil || *usd.OldestDue != date("2024-05-01") {
		t.Errorf("c1 USD = %+v", usd)
	}
	if x := o["x9"][0]; x.Currency != "" || x.Invoices != 1 || x.Amount != nil || x.OldestDue != nil {
		t.Errorf("x9 = %+v", x)
	}
}

// everyInput is facts with every input set: each field of model.Facts
// but Now holds one entry, keyed "30d" where it is a map.
func everyInput() *model.Facts {
	f := &model.Facts{}
	v := reflect.ValueOf(f).Elem()
	for i := range v.NumField() {
		fv := v.Field(i)
		switch fv.Kind() {
		case reflect.Map:
			m := reflect.MakeMap(fv.Type())
			m.SetMapIndex(reflect.ValueOf("30d"), reflect.New(fv.Type().Elem()).Elem())
			fv.Set(m)
		case reflect.Slice:
			fv.Set(reflect.MakeSlice(fv.Type(), 1, 1))
		}
	}
	return f
}

// inputs names the fields of model.Facts that are set.
func inputs(f *model.Facts) []string {
	var names []string
	v := reflect.ValueOf(f).Elem()
	for i := range v.NumField() {
		if k := v.Field(i).Kind(); (k == reflect.Map || k == reflect.Slice) && !v.Field(i).IsNil() {
			names = append(names, v.Type().Field(i).Name)
		}
	}
	return names
}

// TestEveryInputHasOneFact: each fact keeps and drops its own model
// input and nothing else, and every input of model.Facts is some fact's.
func TestEveryInputHasOneFact(t *testing.T) {
	owner := map[string]string{}
	for _, f := range All {
		if f.decode == nil || f.take == nil {
			t.Fatalf("fact %s has no decoder or no input", f.Name)
		}
		kept := &model.Facts{}
		Keep(kept, f.Name, "30d", everyInput())
		names := inputs(kept)
		if len(names) != 1 {
			t.Fatalf("fact %s keeps the inputs %v, want one", f.Name, names)
		}
		if o, ok := owner[names[0]]; ok {
			t.Errorf("input %s is kept by both %s and %s", names[0], o, f.Name)
		}
		owner[names[0]] = f.Name
		Drop(kept, f.Name, "30d")
		if got := inputs(kept); len(got) != 0 && !(f.Windowed() && len(kept.Tickets) == 0) {
			t.Errorf("fact %s left %v after its drop", f.Name, got)
		}
	}
	if all := inputs(everyInput()); len(owner) != len(all) {
		t.Errorf("facts own %v of the inputs %v", owner, all)
	}
}

// TestKeepOneWindow: keeping or dropping one window of the tickets
// leaves the other windows, and the facts kept from, as they were.
func TestKeepOneWindow(t *testing.T) {
	old := &model.Facts{Tickets: map[string]map[string]model.TicketCounts{"30d": {"c1": {Tickets: 3}}, "90d": {"c1": {Tickets: 9}}}}
	f := &model.Facts{}
	Keep(f, model.QueryTickets, "30d", old)
	if f.Tickets["30d"]["c1"].Tickets != 3 || f.Tickets["90d"] != nil {
		t.Errorf("kept tickets %v, want the 30d window alone", f.Tickets)
	}
	Drop(f, model.QueryTickets, "30d")
	if len(f.Tickets) != 0 || len(old.Tickets) != 2 {
		t.Errorf("dropping the window left %v and made the old facts %v", f.Tickets, old.Tickets)
	}
}

// TestUsable: a source's facts serve only with its backbone fact.
func TestUsable(t *testing.T) {
	for _, src := range []string{PSA, Billing} {
		if Usable(src, &model.Facts{}) {
			t.Errorf("%s usable without facts", src)
		}
		if !Usable(src, everyInput()) {
			t.Errorf("%s not usable with every fact", src)
		}
	}
	if !Usable(PSA, &model.Facts{Clients: []model.Client{}}) || Usable(PSA, &model.Facts{Endpoints: map[string]int64{}}) {
		t.Error("the PSA is usable with its clients alone, and only with them")
	}
}

package serve

import (
	"strings"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/model"
)

// TestFindClient: a client is found by id, then by exact name; a name
// two clients share, an unknown one and a client that was no customer
// in the period are refused with the reason.
func TestFindClient(t *testing.T) {
	churned := model.NewDate(2026, 6, 30)
	clients := []model.Client{
		{ID: "1", Name: "Acme", CustomerSince: model.NewDate(2020, 1, 1)},
		{ID: "2", Name: "Twin", CustomerSince: model.NewDate(2020, 1, 1)},
		{ID: "3", Name: "Twin", CustomerSince: model.NewDate(2020, 1, 1)},
		{ID: "4", Name: "Gone", CustomerSince: model.NewDate(2020, 1, 1), ChurnedAt: &churned},
		{ID: "Acme", Name: "Other", CustomerSince: model.NewDate(2020, 1, 1)},
	}
	days := []time.Time{time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC)}
	for _, tt := range []struct{ name, id, err string }{
		{"1", "1", ""},
		{"Acme", "Acme", ""}, // an id wins over a name
		{"Twin", "", `2 clients are named "Twin": give one of their ids (2, 3)`},
		{"Nobody", "", `no client has the id or the name "Nobody"`},
		{"Gone", "", "Gone (4) was not a customer from 2026-07-01 to 2026-09-30: a customer from 2020-01-01 until it churned on 2026-06-30"},
	} {
		id, err := findClient(clients, tt.name, days, time.UTC)
		if id != tt.id || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%q: %q, %v; want %q, %q", tt.name, id, err, tt.id, tt.err)
		}
	}
}

package model

import (
	"reflect"
	"testing"

	"github.com/retention-exporter/retention_exporter/config"
)

// TestEveryFactCanBeKeptAndDropped: a query that fails keeps its last
// good rows or drops them; every fact has its case, for every window.
func TestEveryFactCanBeKeptAndDropped(t *testing.T) {
	old := &PSAFacts{
		Clients: []Client{{ID: "c1"}}, Contracts: []Contract{{ID: "k1"}}, Endpoints: map[string]int64{"c1": 1},
		Tickets: map[string]map[string]TicketCounts{"30d": {"c1": {Tickets: 3}}, "90d": {"c1": {Tickets: 9}}},
		Surveys: map[string]SurveyCounts{"c1": {}}, Reviews: map[string]Date{"c1": 1}, Contacts: map[string]int64{"c1": 1},
		Assessments: map[string]Assessment{"c1": {}},
	}
	oldBilling := &BillingFacts{Overdue: map[string][]Overdue{"c1": nil}}
	for _, f := range config.Facts {
		t.Run(f.Name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("no case for %s: %v", f.Name, r)
				}
			}()
			if f.Source == config.Billing {
				b := &BillingFacts{}
				b.Keep(f.Name, "", oldBilling)
				if b.Overdue == nil {
					t.Error("kept nothing")
				}
				b.Drop(f.Name, "")
				if b.Overdue != nil {
					t.Error("dropped nothing")
				}
				return
			}
			p := &PSAFacts{}
			p.Keep(f.Name, "30d", old)
			kept := *p
			p.Drop(f.Name, "30d")
			if reflect.DeepEqual(kept, PSAFacts{}) {
				t.Error("kept nothing")
			}
			if !reflect.DeepEqual(*p, PSAFacts{Tickets: p.Tickets}) || len(p.Tickets) != 0 {
				t.Errorf("dropped nothing: %+v", *p)
			}
			if f.Name == config.QueryTickets {
				if kept.Tickets["30d"]["c1"].Tickets != 3 || kept.Tickets["90d"] != nil {
					t.Errorf("kept tickets %v, want the 30d window alone", kept.Tickets)
				}
				if len(p.Tickets) != 0 || len(old.Tickets) != 2 {
					t.Errorf("dropping the window left %v and made the old facts %v", p.Tickets, old.Tickets)
				}
			}
		})
	}
}

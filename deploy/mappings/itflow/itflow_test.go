// Package itflow_test runs the ITFlow mapping (retention_exporter.yml next
// to it) on an ITFlow 26.08 fixture in a real MariaDB.
package itflow_test

import (
	"strings"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/internal/mappingtest"
	m "github.com/retention-exporter/retention_exporter/metrics"
)

type L = mappingtest.L

type series = mappingtest.Series

var (
	check  = mappingtest.Expect
	absent = mappingtest.Absent
	served = mappingtest.Served
)

// newYork is the mapping's time_zone, ITFlow's default, in which the
// fixture's DATETIMEs are written.
var newYork = func() *time.Location {
	l, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return l
}()

// day is midnight of a date in New York, as a timestamp series holds it.
func day(s string) float64 {
	d, err := time.ParseInLocation(time.DateOnly, s, newYork)
	if err != nil {
		panic(err)
	}
	return float64(d.Unix())
}

var (
	acme   = L{"client_id": "1", "client": "Acme Dental"}
	birch  = L{"client_id": "2", "client": "Birch Legal"}
	cobalt = L{"client_id": "3", "client": "Cobalt Labs"}
	delta  = L{"client_id": "4", "client": "Delta Prospects"}
	elm    = L{"client_id": "5", "client": "Elm Books"}
)

// contract is a contract's labels: its client's, its id and its name,
// and kv.
func contract(client L, id, name string, kv ...string) L {
	return client.With(append([]string{"contract_id", id, "contract", name}, kv...)...)
}

// TestMapping checks the mapping's metrics on the fixture against the
// values worked out by hand from testdata/fixture.sql (testdata/worked-values.md), today
// and at a past instant, and that check-config --connect finds nothing
// wrong.
func TestMapping(t *testing.T) {
	mp := mappingtest.Start(t, ".")
	mp.Load(t, "itflow", "testdata/fixture.sql")
	cfg, psa, billing := mp.Open(t, "itflow", nil)
	if billing == nil {
		t.Fatal("the mapping configures no billing")
	}
	now := time.Date(2026, 11, 15, 9, 30, 0, 0, newYork)

	t.Run("check-config --connect", func(t *testing.T) {
		reports := mappingtest.NoProblems(t, cfg, psa, billing, now)
		if len(reports) != 9 {
			t.Errorf("%d queries checked, want 9: tickets for two windows, invoices, no assessments", len(reports))
		}
		// Rows read: Cobalt, churned, still has a managed desktop and a
		// contact; Elm has no row but in clients.
		rows := map[string]int{"clients": 4, "contracts": 7, "endpoints": 3, "tickets[30d]": 2, "tickets[90d]": 2,
			"surveys[90d]": 2, "reviews": 2, "contacts": 3, "invoices": 3}
		for _, r := range reports {
			name := r.Query
			if r.Window != "" {
				name += "[" + r.Window + "]"
			}
			if r.Rows != rows[name] {
				t.Errorf("%s: %d rows, want %d", name, r.Rows, rows[name])
			}
			// Leads' rows and tickets of no client are left out, not skipped.
			if len(r.Invalid) > 0 {
				t.Errorf("%s[%s]: skipped %v %v", r.Query, r.Window, r.Invalid, r.Examples)
			}
		}
	})

	t.Run("backfill", func(t *testing.T) {
		mappingtest.Backfill(t, cfg, psa, billing, now.AddDate(0, 0, -60).Truncate(24*time.Hour), now.Truncate(24*time.Hour))
	})

	t.Run("today", func(t *testing.T) {
		f := served(t, cfg, psa, billing, now)
		check(t, f, []series{
			// Clients: not the lead; Cobalt churned on the day of its archive.
			{m.ClientInfo, acme.With("segment", "Healthcare"), 1},
			{m.ClientInfo, birch.With("segment", ""), 1},
			{m.ClientInfo, elm.With("segment", "Retail"), 1},
			{m.ClientStartTimestamp, acme, day("2022-01-01")},  // its agreement
			{m.ClientStartTimestamp, birch, day("2024-01-15")}, // its first invoice
			{m.ClientStartTimestamp, elm, day("2026-09-10")},   // its creation, not its draft
			{m.Clients, L{"segment": "Healthcare"}, 1},
			{m.Clients, L{"segment": ""}, 1},
			{m.Clients, L{"segment": "Retail"}, 1},
			{m.ChurnedClients, L{"segment": "Manufacturing", "window": "90d"}, 1},
			{m.ChurnedClientsByReason, L{"segment": "Manufacturing", "window": "90d", "reason": "unknown"}, 1},

			// Endpoints: not the printer, the phone, the archived laptop,
			// the retired desktop or the lost laptop.
			{m.ClientEndpoints, acme, 4},
			{m.ClientEndpoints, birch, 2},
			{m.ClientEndpoints, elm, 0},

			// Tickets: not after the clock.
			{m.ClientTickets, acme.With("window", "30d"), 3},
			{m.ClientTickets, acme.With("window", "90d"), 4},
			{m.ClientTickets, birch.With("window", "30d"), 1},
			{m.ClientTickets, birch.With("window", "90d"), 3},
			{m.ClientTickets, elm.With("window", "30d"), 0},
			// SLA over 90d: Acme met 1, breached 1, one in flight, one
			// without; Birch met 2 (one without a resolution target),
			// breached 1 (never answered).
			{m.ClientSLATickets, acme, 2},
			{m.ClientSLACompliance, acme, 0.5},
			{m.ClientSLATickets, birch, 3},
			{m.ClientSLACompliance, birch, 2.0 / 3},
			// CSAT: Good, Bad, Neutral for Acme; Birch's "Meh" is no answer.
			{m.ClientCSATResponses, acme, 3},
			{m.ClientCSAT, acme, 1.0 / 3},
			{m.ClientCSAT, birch, 1},
			// Reviews: the latest begun by now, not Acme's planned one;
			// titles in any case.
			{m.ClientLastReviewTimestamp, acme, day("2026-08-20")},
			{m.ClientLastReviewTimestamp, birch, day("2026-10-01")},
			// Renewal contacts: primary or important, not archived.
			{m.ClientRenewalContacts, acme, 2},
			{m.ClientRenewalContacts, birch, 1},
			{m.ClientRenewalContacts, elm, 0},

			// Invoices: Acme's partly paid one; Birch's in two currencies,
			// not the cancelled one; Elm's draft and non-billable ones are not.
			{m.ClientOverdueInvoices, acme, 1},
			{m.ClientOverdueAmount, acme.With("currency", "USD"), 1000},
			{m.ClientOldestOverdueTimestamp, acme, day("2026-10-31")},
			{m.ClientOverdueInvoices, birch, 3},
			{m.ClientOverdueAmount, birch.With("currency", "EUR"), 1100},
			{m.ClientOverdueAmount, birch.With("currency", "USD"), 250},
			{m.ClientOldestOverdueTimestamp, birch, day("2026-08-31")},
			{m.ClientOverdueInvoices, elm, 0},

			// MRR: Acme 1500 + 1000 / 12; Birch 800 (its backup stopped).
			{m.ClientMRR, acme.With("currency", "USD"), 1583.33},
			{m.ClientMRR, birch.With("currency", "EUR"), 800},
			{m.MRR, L{"segment": "Healthcare", "currency": "USD"}, 1583.33},

			// Contracts.
			{m.ContractMonthlyValue, contract(acme, "recurring_invoice:1", "Managed services", "currency", "USD"), 1500},
			{m.ContractInfo, contract(acme, "recurring_invoice:1", "Managed services", "contract_type", "Managed Services", "auto_renew", "true"), 1},
			{m.ContractMonthlyValue, contract(acme, "recurring_invoice:2", "Backup licences", "currency", "USD"), 83.33},
			{m.ContractInfo, contract(acme, "recurring_invoice:2", "Backup licences", "contract_type", "Licensing", "auto_renew", "true"), 1},
			{m.ContractMonthlyValue, contract(birch, "recurring_invoice:3", "REC-3", "currency", "EUR"), 800},
			{m.ContractEndTimestamp, contract(acme, "contract:1", "Acme MSA"), day("2027-01-01")},
			{m.ContractDaysToRenewal, contract(acme, "contract:1", "Acme MSA"), 47},
			{m.ContractInfo, contract(acme, "contract:1", "Acme MSA", "contract_type", "Fully Managed", "auto_renew", "true"), 1},
		})
		// No Manufacturing client was active 30 days ago: no 30d cohort.
		absent(t, f, m.ChurnedClients, L{"segment": "Manufacturing", "window": "30d"})
		for _, c := range []L{cobalt, delta} {
			absent(t, f, m.ClientInfo, c)
		}
		absent(t, f, m.ClientMRR, elm)                                                 // its only recurring invoice never billed
		absent(t, f, m.ContractMonthlyValue, L{"contract_id": "contract:1"})           // no price on an agreement
		absent(t, f, m.ContractDaysToRenewal, L{"contract_id": "recurring_invoice:1"}) // evergreen
		for _, id := range []string{"recurring_invoice:4", "recurring_invoice:6", "recurring_invoice:7",
			"contract:2", "contract:3", "contract:4", "contract:5"} { // stopped, never billed, a lead's, archived, draft, ended, no start
			absent(t, f, m.ContractInfo, L{"contract_id": id})
		}
	})

	t.Run("past", func(t *testing.T) {
		// 2026-06-15 12:00: Cobalt was a client, Elm not yet; Birch's
		// backup ran (to end 2026-09-10) and its break/fix agreement had
		// lapsed; the archived laptop, the retired desktop, the lost laptop
		// and the contacts archived since still counted; ticket 7 was in
		// flight; invoice 4 was half paid.
		past := time.Date(2026, 6, 15, 12, 0, 0, 0, newYork)
		f := served(t, cfg, psa, billing, past)
		check(t, f, []series{
			{m.Clients, L{"segment": "Manufacturing"}, 1},
			{m.ClientInfo, cobalt.With("segment", "Manufacturing"), 1},

			{m.ClientMRR, acme.With("currency", "USD"), 1583.33},
			{m.ClientMRR, birch.With("currency", "EUR"), 1000},
			{m.ClientMRR, cobalt.With("currency", "USD"), 600},
			{m.ContractMonthlyValue, contract(birch, "recurring_invoice:4", "Offsite backup", "currency", "EUR"), 200},
			{m.ContractCancelTimestamp, contract(birch, "recurring_invoice:4", "Offsite backup"), day("2026-09-10")},
			{m.ContractCancelTimestamp, contract(cobalt, "recurring_invoice:5", "Managed services"), day("2026-09-01")},
			{m.ContractDaysToRenewal, contract(birch, "contract:4", "Birch break/fix"), -46},
			{m.ContractInfo, contract(birch, "contract:4", "Birch break/fix", "contract_type", "Break/Fix", "auto_renew", "false"), 1},
			{m.ContractDaysToRenewal, contract(acme, "contract:1", "Acme MSA"), 200},

			{m.ClientEndpoints, acme, 5},
			{m.ClientEndpoints, birch, 3},
			{m.ClientEndpoints, cobalt, 1},

			{m.ClientTickets, acme.With("window", "30d"), 2},
			{m.ClientSLATickets, acme, 1},
			{m.ClientSLACompliance, acme, 0},
			{m.ClientTickets, cobalt.With("window", "30d"), 1},
			{m.ClientCSAT, cobalt, 1},

			{m.ClientLastReviewTimestamp, acme, day("2026-03-10")},
			{m.ClientRenewalContacts, acme, 3},
			{m.ClientRenewalContacts, cobalt, 1},

			{m.ClientOverdueInvoices, acme, 1},
			{m.ClientOverdueAmount, acme.With("currency", "USD"), 1000},
			{m.ClientOldestOverdueTimestamp, acme, day("2026-05-31")},
			{m.ClientOverdueInvoices, birch, 0},
			{m.ClientOverdueInvoices, cobalt, 1},
			{m.ClientOverdueAmount, cobalt.With("currency", "USD"), 600},
		})
		absent(t, f, m.ClientInfo, elm)
		absent(t, f, m.ClientCSAT, acme)                 // ticket 6's feedback came with its close, later
		absent(t, f, m.ClientLastReviewTimestamp, birch) // its only review then was archived
		absent(t, f, m.ClientSLACompliance, cobalt)      // no SLA
	})
}

// TestParameters: the install's conventions are values under params.
// Counting printers as endpoints adds Acme's printer; with "Patch night"
// as the only review title, Acme's latest review is that event and Birch
// has none.
func TestParameters(t *testing.T) {
	mp := mappingtest.Start(t, ".")
	mp.Load(t, "itflow_params", "testdata/fixture.sql")
	cfg, psa, billing := mp.Open(t, "itflow_params", func(s string) string {
		s = strings.Replace(s, "endpoint_types: [Laptop,", "endpoint_types: [Printer, Laptop,", 1)
		return strings.Replace(s, "review_titles: [QBR, Business Review]", "review_titles: [patch night]", 1)
	})
	now := time.Date(2026, 11, 15, 9, 30, 0, 0, newYork)
	f := served(t, cfg, psa, billing, now)
	check(t, f, []series{
		{m.ClientEndpoints, acme, 5},
		{m.ClientEndpoints, birch, 2},
		{m.ClientLastReviewTimestamp, acme, day("2026-11-01")},
	})
	absent(t, f, m.ClientLastReviewTimestamp, birch)
}

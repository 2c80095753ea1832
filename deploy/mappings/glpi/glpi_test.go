// Package glpi_test runs the GLPI mapping (retention_exporter.yml next to
// it) on a GLPI 10 fixture in a real MariaDB.
package glpi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/exporter"
	"github.com/retention-exporter/retention_exporter/fact"
	"github.com/retention-exporter/retention_exporter/internal/mappingtest"
	"github.com/retention-exporter/retention_exporter/internal/scrape"
	m "github.com/retention-exporter/retention_exporter/metrics"
	"github.com/retention-exporter/retention_exporter/model"
)

type L = mappingtest.L

type series = mappingtest.Series

var (
	check  = mappingtest.Expect
	absent = mappingtest.Absent
	unix   = mappingtest.Unix
	days   = mappingtest.Days
)

// open loads database name from the schema and steps (fixture files or
// SQL) and opens the shipped mapping on it, edited by edit if not nil.
func open(t *testing.T, name string, edit func(string) string, steps ...string) (*mappingtest.Mapping, *config.Config, exporter.PSA) {
	t.Helper()
	mp := mappingtest.Start(t, ".")
	mp.Load(t, name, steps...)
	cfg, psa, billing := mp.Open(t, name, edit)
	if billing != nil {
		t.Fatal("the mapping configures billing: GLPI has no invoices")
	}
	return mp, cfg, psa
}

func served(t *testing.T, cfg *config.Config, psa exporter.PSA, now time.Time) scrape.Families {
	t.Helper()
	return mappingtest.Served(t, cfg, psa, nil, now)
}

var (
	acme  = L{"client_id": "1", "client": "Acme Corp"}
	smith = L{"client_id": "2", "client": "Smith & Sons"}
	gamma = L{"client_id": "3", "client": "Gamma Dental"}
	delta = L{"client_id": "4", "client": "Delta Logistics"}
)

// contract is a contract's labels: its client's, its id and its name,
// and kv.
func contract(client L, id, name string, kv ...string) L {
	return client.With(append([]string{"contract_id", id, "contract", name}, kv...)...)
}

// TestMapping checks the mapping's metrics on the fixture against values
// worked out by hand from testdata/fixture.sql, today and at a past
// instant, and that check-config --connect finds nothing wrong.
func TestMapping(t *testing.T) {
	_, cfg, psa := open(t, "glpi", nil, "testdata/fixture.sql")
	now := time.Date(2026, 11, 15, 9, 30, 0, 0, time.UTC)

	t.Run("check-config --connect", func(t *testing.T) {
		reports := mappingtest.NoProblems(t, cfg, psa, nil, now)
		if len(reports) != 8 {
			t.Errorf("%d queries checked, want 8: tickets for two windows, no assessments", len(reports))
		}
		for _, r := range reports {
			if r.Query == model.QueryTickets && r.Invalid[fact.ReasonUnknownClient] != 1 {
				t.Errorf("tickets[%s]: skipped %v, want the ticket of the deleted entity", r.Window, r.Invalid)
			}
		}
	})

	t.Run("backfill", func(t *testing.T) {
		mappingtest.Backfill(t, cfg, psa, nil, now.AddDate(0, 0, -60).Truncate(24*time.Hour), now.Truncate(24*time.Hour))
	})

	t.Run("today", func(t *testing.T) {
		f := served(t, cfg, psa, now)
		check(t, f, []series{
			// Clients: the entities under the root; Gamma has churned.
			{m.ClientInfo, acme.With("segment", "smb", "account_manager", "Jane Doe"), 1},
			{m.ClientInfo, smith.With("segment", "enterprise", "account_manager", "Raj Patel"), 1},
			{m.ClientInfo, delta.With("segment", ""), 1},
			{m.ClientStartTimestamp, acme, unix("2019-04-01")},  // "customer since:" line
			{m.ClientStartTimestamp, smith, unix("2020-01-01")}, // first contract, before the entity
			{m.ClientStartTimestamp, delta, unix("2026-10-01")},
			{m.Clients, L{"segment": "smb"}, 1},
			{m.Clients, L{"segment": "enterprise"}, 1},
			{m.Clients, L{"segment": ""}, 1},
			{m.ChurnedClients, L{"segment": "smb", "window": "90d"}, 1},
			{m.ChurnedClients, L{"segment": "smb", "window": "30d"}, 0},
			{m.ChurnedClientsByReason, L{"segment": "smb", "window": "90d", "reason": "price"}, 1},

			// Endpoints: not the template, not the trashed PC; the
			// server seven levels down and the switch count for Acme.
			{m.ClientEndpoints, acme, 4},
			{m.ClientEndpoints, smith, 3},
			{m.ClientEndpoints, delta, 1},

			// Tickets: not trashed, not after the clock; 30d has 1, 2, 4.
			{m.ClientTickets, acme.With("window", "30d"), 3},
			{m.ClientTickets, acme.With("window", "90d"), 4},
			{m.ClientTickets, smith.With("window", "30d"), 1},
			{m.ClientTickets, smith.With("window", "90d"), 2},
			{m.ClientTickets, delta.With("window", "30d"), 0},
			// SLA over 90d: Acme 3 with a deadline, 2 missed (solved late,
			// open past it); Smith's open ticket is not late yet.
			{m.ClientSLACompliance, acme, 1.0 / 3},
			{m.ClientSLACompliance, smith, 1},
			// CSAT: 5 and 0 stars for Acme (0 is an answer); the trashed
			// ticket's and the unanswered survey do not count.
			{m.ClientCSAT, acme, 0.5},
			{m.ClientCSAT, smith, 1},
			// Reviews: the latest "Business review" on or before today.
			{m.ClientLastReviewTimestamp, acme, unix("2026-08-20")},
			{m.ClientLastReviewTimestamp, smith, unix("2026-05-15")},
			// Renewal contacts: not the technical one, not the trashed one.
			{m.ClientRenewalContacts, acme, 2},
			{m.ClientRenewalContacts, smith, 1},
			{m.ClientRenewalContacts, delta, 0},

			// MRR: Acme 1100 (tacit, last cost line) + 120 (backup line in
			// force; the setup charge is one-off); Smith 2000 USD (the
			// monitoring contract has no cost lines); Delta 9000 / 12.
			{m.ClientMRR, acme.With("currency", "EUR"), 1220},
			{m.ClientMRR, smith.With("currency", "USD"), 2000},
			{m.ClientMRR, delta.With("currency", "EUR"), 750},
			{m.MRR, L{"segment": "smb", "currency": "EUR"}, 1220},

			// Contracts: the tacit one rolled to 2027-01-01.
			{m.ContractDaysToRenewal, contract(acme, "101", "Managed Services"), days("2026-11-15", "2027-01-01")},
			{m.ContractEndTimestamp, contract(acme, "101", "Managed Services"), unix("2027-01-01")},
			{m.ContractMonthlyValue, contract(acme, "101", "Managed Services", "currency", "EUR"), 1100},
			{m.ContractRenewalNoticeSent, contract(acme, "101", "Managed Services"), 1},
			{m.ContractInfo, contract(acme, "101", "Managed Services", "contract_type", "Managed services", "auto_renew", "true"), 1},
			{m.ContractMonthlyValue, contract(acme, "102", "Backup", "currency", "EUR"), 120},
			{m.ContractInfo, contract(acme, "102", "Backup", "contract_type", "Backup", "auto_renew", "false"), 1},
			{m.ContractEndTimestamp, contract(smith, "202", "Enterprise Care 2023"), unix("2027-01-01")},
			// Notice given: the express contract ends with its term; the
			// tacit one's notice missed this term, so it ends with the next.
			{m.ContractCancelTimestamp, contract(smith, "202", "Enterprise Care 2023"), unix("2027-01-01")},
			{m.ContractCancelTimestamp, contract(acme, "101", "Managed Services"), unix("2028-01-01")},
			{m.ContractRenewalNoticeSent, contract(smith, "202", "Enterprise Care 2023"), 0},
			// Tacit without periodicity renews by its 24-month duration.
			{m.ContractEndTimestamp, contract(smith, "203", "Monitoring"), unix("2028-06-01")},
			{m.ContractInfo, contract(smith, "203", "Monitoring", "contract_type", "", "auto_renew", "true"), 1},
			{m.ContractEndTimestamp, contract(delta, "401", "Managed services"), unix("2027-10-01")},
		})
		absent(t, f, m.ClientInfo, gamma)
		absent(t, f, m.ContractMonthlyValue, L{"contract_id": "203"})  // no cost lines: no price
		absent(t, f, m.ContractDaysToRenewal, L{"contract_id": "102"}) // open-ended
		for _, id := range []string{"103", "104", "201"} {             // template, trashed, ended
			absent(t, f, m.ContractInfo, L{"contract_id": id})
		}
	})

	t.Run("past", func(t *testing.T) {
		// 2025-06-15: Gamma was a client, Delta not yet; Acme's tacit
		// contract ran to 2026-01-01 at its second year's price, the
		// backup at its first; the PC trashed in 2026 was still managed,
		// the server added 2025-05-01 was; the review of 2025-03-10 was
		// the latest; the contact trashed in 2026 still counted.
		past := time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)
		f := served(t, cfg, psa, past)
		check(t, f, []series{
			{m.Clients, L{"segment": "smb"}, 2},
			{m.ClientInfo, gamma.With("segment", "smb"), 1},
			{m.ContractEndTimestamp, contract(acme, "101", "Managed Services"), unix("2026-01-01")},
			{m.ContractMonthlyValue, contract(acme, "101", "Managed Services", "currency", "EUR"), 1100},
			{m.ContractRenewalNoticeSent, contract(acme, "101", "Managed Services"), 0},
			{m.ContractMonthlyValue, contract(acme, "102", "Backup", "currency", "EUR"), 100},
			{m.ContractEndTimestamp, contract(smith, "203", "Monitoring"), unix("2026-06-01")},
			{m.ClientMRR, acme.With("currency", "EUR"), 1200},
			{m.ClientEndpoints, acme, 5},
			{m.ClientLastReviewTimestamp, acme, unix("2025-03-10")},
			{m.ClientRenewalContacts, acme, 3},
			// Ticket 10, solved after its deadline; its survey came later.
			{m.ClientTickets, acme.With("window", "30d"), 1},
			{m.ClientSLACompliance, acme, 0},
		})
		absent(t, f, m.ClientInfo, delta)
		absent(t, f, m.ClientCSAT, acme)
	})
}

// TestNoClientEntities: a GLPI whose only entity is the root has no
// clients. check-config --connect says so, and the exporter serves no
// client or portfolio series rather than zeros, and counts the tickets it
// could not place.
func TestNoClientEntities(t *testing.T) {
	_, cfg, psa := open(t, "glpi_flat", nil, `
		SET time_zone = '+00:00';
		INSERT INTO glpi_entities (id, name, entities_id, completename, level) VALUES (0, 'Root entity', NULL, 'Root entity', 1);
		INSERT INTO glpi_computers (entities_id, name, date_creation) VALUES (0, 'PC-1', '2026-01-01 00:00:00');
		INSERT INTO glpi_tickets (entities_id, name, date) VALUES (0, 'Printer', '2026-11-10 10:00:00'), (0, 'VPN', '2026-11-11 10:00:00');
	`)
	now := time.Date(2026, 11, 15, 9, 30, 0, 0, time.UTC)

	var clients []string
	for _, r := range mappingtest.Check(t, cfg, psa, nil, now) {
		if r.Query == model.QueryClients {
			clients = r.Problems(cfg)
		}
	}
	if len(clients) != 1 || !strings.Contains(clients[0], "no clients") {
		t.Errorf("clients query problems %q, want one naming no clients", clients)
	}

	f := served(t, cfg, psa, now)
	for name := range f {
		if strings.HasPrefix(name, "retention_client") || strings.HasPrefix(name, "retention_contract") ||
			name == m.Clients || name == m.MRR || name == m.ChurnedClients {
			t.Errorf("%s served without clients: %v", name, f.Samples(name))
		}
	}
	check(t, f, []series{
		{m.SourceUp, L{"source": "psa"}, 1},
		{m.InvalidRows, L{"source": "psa", "query": "tickets", "reason": "unknown_client"}, 2},
	})
}

// TestCommentLineNotADate: a comment line the mapping reads as a date but
// that is not one skips the row and check-config --connect names it,
// rather than the line being silently ignored.
func TestCommentLineNotADate(t *testing.T) {
	_, cfg, psa := open(t, "glpi_typo", nil, `
		SET time_zone = '+00:00';
		INSERT INTO glpi_entities (id, name, entities_id, completename, level, date_creation) VALUES
		  (0, 'Root entity', NULL, 'Root entity', 1, '2020-01-01 00:00:00'),
		  (1, 'Acme', 0, 'Root entity > Acme', 2, '2020-01-01 00:00:00');
		INSERT INTO glpi_contracts (id, entities_id, name, begin_date, duration, notice, renewal, comment) VALUES
		  (1, 1, 'Care', '2024-01-01', 12, 1, 1, 'notice given: end of March');
	`)
	for _, r := range mappingtest.Check(t, cfg, psa, nil, time.Date(2026, 11, 15, 9, 30, 0, 0, time.UTC)) {
		p := r.Problems(cfg)
		if r.Query != model.QueryContracts {
			if len(p) > 0 {
				t.Errorf("%s: %v", r.Query, p)
			}
			continue
		}
		if len(p) != 1 || !strings.Contains(p[0], `column cancelled_at: "end of March" is not a date`) {
			t.Errorf("contracts problems %q, want the line that is not a date", p)
		}
	}
}

// TestClientsUnderAGroupingEntity: an install that keeps its clients under
// a "Clients" entity is one parameter away: with client_parent set to that
// entity, the clients and their values are those of the shipped fixture;
// left at the root, the grouping entity is the one client.
func TestClientsUnderAGroupingEntity(t *testing.T) {
	regroup := `
		INSERT INTO glpi_entities (id, name, entities_id, completename, level) VALUES (99, 'Clients', 0, 'Root entity > Clients', 2);
		UPDATE glpi_entities SET entities_id = 99 WHERE entities_id = 0 AND id <> 99;
	`
	mp, cfg, psa := open(t, "glpi_grouped", func(s string) string {
		return strings.Replace(s, "client_parent: 0", "client_parent: 99", 1)
	}, "testdata/fixture.sql", regroup)
	now := time.Date(2026, 11, 15, 9, 30, 0, 0, time.UTC)
	mappingtest.NoProblems(t, cfg, psa, nil, now)
	f := served(t, cfg, psa, now)
	check(t, f, []series{
		{m.ClientInfo, acme.With("segment", "smb", "account_manager", "Jane Doe"), 1},
		{m.ClientInfo, smith.With("segment", "enterprise", "account_manager", "Raj Patel"), 1},
		{m.ClientInfo, delta.With("segment", ""), 1},
		{m.ClientEndpoints, acme, 4},
		{m.ClientEndpoints, smith, 3},
		{m.ClientEndpoints, delta, 1},
		{m.ChurnedClients, L{"segment": "smb", "window": "90d"}, 1},
	})
	absent(t, f, m.ClientInfo, L{"client": "Clients"})

	root, rootPSA, _ := mp.Open(t, "glpi_grouped", nil)
	f = served(t, root, rootPSA, now)
	if got := len(f.Samples(m.ClientInfo)); got != 1 {
		t.Errorf("with the clients under the root's child, %d clients, want the grouping entity alone", got)
	}
	check(t, f, []series{{m.ClientInfo, L{"client_id": "99", "client": "Clients", "segment": ""}, 1}})
}

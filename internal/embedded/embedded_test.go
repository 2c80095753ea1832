package embedded_test

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/retention-exporter/retention_exporter/config"
	mysqlschema "github.com/retention-exporter/retention_exporter/deploy/mysql"
	"github.com/retention-exporter/retention_exporter/internal/embedded"
	"github.com/retention-exporter/retention_exporter/internal/mariadbtest"
	"github.com/retention-exporter/retention_exporter/internal/synth"
	"github.com/retention-exporter/retention_exporter/internal/testenv"
	"github.com/retention-exporter/retention_exporter/model"
	"github.com/retention-exporter/retention_exporter/source"
)

type facts struct {
	psa     *model.Facts
	billing *model.Facts
}

// read runs the default queries against two DSNs at now.
func read(t *testing.T, psaDSN, billingDSN string, now time.Time) facts {
	t.Helper()
	t.Setenv("CMP_PSA", psaDSN)
	t.Setenv("CMP_BILLING", billingDSN)
	cfg, err := config.Parse([]byte("sources:\n  psa: {dsn_env: CMP_PSA}\n  billing: {dsn_env: CMP_BILLING}\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	psa, err := source.Open("psa", cfg.Sources.PSA, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	defer psa.Close()
	billing, err := source.Open("billing", cfg.Sources.Billing, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	defer billing.Close()
	pf, _, err := psa.ReadPSA(context.Background(), cfg, now)
	if err != nil {
		t.Fatal(err)
	}
	bf, _, err := billing.ReadBilling(context.Background(), cfg, now)
	if err != nil {
		t.Fatal(err)
	}
	// Row order is the engine's business: compare sorted.
	slices.SortFunc(pf.Clients, func(a, b model.Client) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(pf.Contracts, func(a, b model.Contract) int { return strings.Compare(a.ID, b.ID) })
	for id := range bf.Overdue {
		slices.SortFunc(bf.Overdue[id], func(a, b model.Overdue) int { return strings.Compare(a.Currency, b.Currency) })
	}
	return facts{pf, bf}
}

// TestSameFactsAsMariaDB: the demo never shows what production would not.
// The same generated MSP in MariaDB (the shipped DDL, with its indexes)
// and in the embedded engine gives identical facts for every default query.
func TestSameFactsAsMariaDB(t *testing.T) {
	testenv.Integration(t)
	logrus.SetOutput(io.Discard)
	now := time.Now().UTC().Truncate(time.Second)
	o := synth.Options{Clients: 120, Seed: 3, Now: now.Add(-time.Minute)}
	ctx := context.Background()

	maria := mariadbtest.Started(t)
	if err := maria.Exec("", "CREATE DATABASE psa; CREATE DATABASE billing;"); err != nil {
		t.Fatal(err)
	}
	if err := maria.Exec("psa", mysqlschema.PSA); err != nil {
		t.Fatal(err)
	}
	if err := maria.Exec("billing", mysqlschema.Billing); err != nil {
		t.Fatal(err)
	}
	mPSA, _ := maria.Root("psa")
	mBilling, _ := maria.Root("billing")
	defer mPSA.Close()
	defer mBilling.Close()
	if _, err := synth.Load(ctx, o, mPSA, mBilling); err != nil {
		t.Fatal(err)
	}

	emb, err := embedded.Start("127.0.0.1:0", "psa", "billing")
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	ePSA, eBilling, err := emb.CreateReference(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ePSA.Close()
	defer eBilling.Close()
	if _, err := synth.Load(ctx, o, ePSA, eBilling); err != nil {
		t.Fatal(err)
	}

	socketDSN := func(db string) string { return fmt.Sprintf("root@unix(%s)/%s", maria.Socket(), db) }
	want := read(t, socketDSN("psa"), socketDSN("billing"), now)
	got := read(t, emb.DSN("psa"), emb.DSN("billing"), now)
	if len(want.psa.Clients) < 150 || len(want.psa.Tickets["90d"]) < 100 || len(want.billing.Overdue) == 0 {
		t.Fatalf("too little data to compare: %d clients", len(want.psa.Clients))
	}
	compare(t, "clients", want.psa.Clients, got.psa.Clients)
	compare(t, "contracts", want.psa.Contracts, got.psa.Contracts)
	compare(t, "endpoints", want.psa.Endpoints, got.psa.Endpoints)
	compare(t, "tickets", want.psa.Tickets, got.psa.Tickets)
	compare(t, "surveys", want.psa.Surveys, got.psa.Surveys)
	compare(t, "reviews", want.psa.Reviews, got.psa.Reviews)
	compare(t, "contacts", want.psa.Contacts, got.psa.Contacts)
	compare(t, "assessments", want.psa.Assessments, got.psa.Assessments)
	compare(t, "invoices", want.billing.Overdue, got.billing.Overdue)
}

func compare(t *testing.T, what string, want, got any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Errorf("%s differ between MariaDB and the embedded engine:\nMariaDB:  %.600v\nembedded: %.600v", what, want, got)
	}
}

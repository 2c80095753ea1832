package synth

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/model"
)

// TestUnhappinessPredictsChurn: drawn given their outcomes as Generate
// draws them, clients that churned were mostly deep in trouble when they
// left, and their unhappiness at a past instant ranks the clients that
// churned within 90 days after it well above the rest.
func TestUnhappinessPredictsChurn(t *testing.T) {
	g := &gen{today: model.DateOf(pinned)}
	var clients []*client
	deep := 0
	for i := range 3000 {
		r := rand.New(rand.NewPCG(1, uint64(i)))
		c := &client{since: g.today.AddDays(-between(r, 7, 6*365))}
		if i%3 == 0 {
			end := g.today.AddDays(-between(r, 1, historyDays))
			c.churned = &end
			c.since = end.AddDays(-between(r, 120, 5*365))
		}
		g.moodOf(r, c)
		if c.churned != nil && c.mood.at(*c.churned) >= 0.5 {
			deep++
		}
		clients = append(clients, c)
	}
	if deep < 800 {
		t.Errorf("%d of 1000 churned clients left with unhappiness 0.5 or more, want most", deep)
	}
	type row struct {
		u       float64
		churned bool
	}
	var rows []row
	for k := 3; k <= 12; k++ {
		at := g.today.AddDays(-month * k)
		for _, c := range clients {
			if c.since <= at && (c.churned == nil || *c.churned > at) {
				rows = append(rows, row{c.mood.at(at), c.churned != nil && *c.churned <= at.AddDays(90)})
			}
		}
	}
	slices.SortFunc(rows, func(a, b row) int {
		switch {
		case a.u < b.u:
			return -1
		case a.u > b.u:
			return 1
		}
		return 0
	})
	var events, others, pairs float64
	for _, r := range rows {
		if r.churned {
			events++
			pairs += others
		} else {
			others++
		}
	}
	auc := pairs / (events * others)
	t.Logf("%d of 1000 churned clients left with unhappiness 0.5 or more; AUC of unhappiness for churn within 90 days: %.3f", deep, auc)
	if auc < 0.9 {
		t.Errorf("unhappiness ranks churners within 90 days with an AUC of %.3f, want 0.9 or more", auc)
	}
}

// signals counts a client's SLA tickets, breaches, surveys and positive
// surveys in a window.
type signals struct{ sla, breached, surveys, positive int }

// TestSignalsFollowUnhappiness: in the data written, a client in its
// last 90 days before churning typically breaches its SLA more and
// answers surveys less happily than a client active today does in the
// last 90 days.
func TestSignalsFollowUnhappiness(t *testing.T) {
	today := model.DateOf(pinned)
	churned := map[string]model.Date{}
	leaving, staying := map[string]*signals{}, map[string]*signals{}
	// window is the client's signals of its last 90 days, when at falls
	// in them.
	window := func(client string, at time.Time) *signals {
		d := model.DateOf(at)
		m := staying
		if end, ok := churned[client]; ok {
			if d < end.AddDays(-90) || d >= end {
				return nil
			}
			m = leaving
		} else if d < today.AddDays(-90) {
			return nil
		}
		if m[client] == nil {
			m[client] = &signals{}
		}
		return m[client]
	}
	psa := SinkFunc(func(table string, v ...any) error {
		switch table {
		case "clients":
			if end, ok := v[5].(*model.Date); ok && end != nil {
				churned[v[0].(string)] = *end
			}
		case "tickets":
			if s := window(v[1].(string), v[2].(time.Time)); s != nil {
				if b, ok := v[5].(bool); ok {
					s.sla++
					if b {
						s.breached++
					}
				}
			}
		case "surveys":
			if s := window(v[1].(string), v[3].(time.Time)); s != nil {
				s.surveys++
				if v[4].(int) >= 4 {
					s.positive++
				}
			}
		}
		return nil
	})
	discard := SinkFunc(func(string, ...any) error { return nil })
	if _, err := Generate(Options{Clients: 1000, Seed: 1, Now: pinned}, psa, discard); err != nil {
		t.Fatal(err)
	}
	// mean is the mean over clients of a share, where its count is at
	// least 5.
	mean := func(m map[string]*signals, share func(*signals) (n, of int)) float64 {
		var sum, clients float64
		for _, s := range m {
			if n, of := share(s); of >= 5 {
				sum += float64(n) / float64(of)
				clients++
			}
		}
		return sum / clients
	}
	breached := func(s *signals) (int, int) { return s.breached, s.sla }
	positive := func(s *signals) (int, int) { return s.positive, s.surveys }
	breachLeaving, breachStaying := mean(leaving, breached), mean(staying, breached)
	positiveLeaving, positiveStaying := mean(leaving, positive), mean(staying, positive)
	t.Logf("last 90 days, mean over clients: before churning %.1f%% of SLA tickets breached and %.0f%% of surveys positive; active today %.1f%% and %.0f%%",
		100*breachLeaving, 100*positiveLeaving, 100*breachStaying, 100*positiveStaying)
	if breachLeaving < 3*breachStaying {
		t.Errorf("clients about to churn breach %.1f%% of SLA tickets, active ones %.1f%%: want three times as many", 100*breachLeaving, 100*breachStaying)
	}
	if positiveLeaving > positiveStaying-0.25 {
		t.Errorf("clients about to churn answer %.0f%% of surveys positively, active ones %.0f%%: want 25 points fewer", 100*positiveLeaving, 100*positiveStaying)
	}
}

package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	m "github.com/retention-exporter/retention_exporter/metrics"
	"github.com/retention-exporter/retention_exporter/model"
)

// page is everything the template shows, as text and geometry.
type page struct {
	MSP                       string
	Client, ClientID          string
	Segment, AccountManager   string
	Heading, Period           string
	CustomerSince             string
	NextAnniversary           string
	Notes                     []string
	Active, Churned           bool
	Cards                     []card
	Months                    []monthRow
	WindowNote                string
	Endpoints                 string
	Utilization, Health       *chart
	Components                []componentRow
	Changes                   []string
	Risk                      []string
	Contracts                 []contractRow
	Ended                     []string
	Reviews, NextReview       string
	LastReviewBefore          string
	Assessment                string
	Billing                   []string
	Recommendations           []recommendation
	RecommendationsAt, Source string
}

type card struct{ Label, Value, Detail, Class string }

type monthRow struct {
	Month, AsOf, Tickets, PerEndpoint, Target, SLA, CSAT string
	Over                                                 bool
}

type componentRow struct {
	Name, Start, End, Change string
}

type contractRow struct {
	Name, Type, Value, Ends, Renewal, Notice, AutoRenew, Cancel string
	Lapsed                                                      bool
}

type recommendation struct{ Component, Score, Target, Text string }

// build draws the page from the data.
func build(d *Data, s Settings) (*page, error) {
	v, err := newView(d, s)
	if err != nil {
		return nil, err
	}
	if len(v.days) == 0 {
		return nil, fmt.Errorf("client %s: no days", d.ClientID)
	}
	p := &page{MSP: s.MSPName, ClientID: d.ClientID, Active: v.first >= 0}
	from, to := v.days[0].date, v.days[len(v.days)-1].date
	p.Period = fmtDate(from) + " – " + fmtDate(to)
	p.Heading = "Business review"
	if name := periodName(from, to); name != "" {
		p.Heading = "Business review " + name
	}
	p.Client = d.ClientID
	if !p.Active {
		p.Notes = []string{"Not a customer at any day of this period: no data."}
		return p, nil
	}
	v.header(p)
	v.cards(p, d.Risk)
	v.service(p)
	v.health(p, d.Risk)
	v.commitments(p)
	if s.Billing {
		v.billing(p)
	}
	v.recommendations(p)
	p.Source = fmt.Sprintf("Each day is the client as it stood at midnight (%s), computed as the exporter serves it: "+
		"the same figures as the exporter's history for those days.", s.Location)
	return p, nil
}

func (v *view) header(p *page) {
	e := v.end()
	if info, ok := e.find(m.ClientInfo); ok {
		p.Client = info.Labels[m.LabelClient]
		p.Segment = info.Labels[m.LabelSegment]
		p.AccountManager = info.Labels[m.LabelAccountManager]
	}
	p.CustomerSince, p.NextAnniversary = noData, noData
	if ts, ok := e.get(m.ClientStartTimestamp); ok {
		p.CustomerSince = v.fmtStamp(ts)
	}
	if ts, ok := e.get(m.ClientNextAnniversaryTimestamp); ok {
		p.NextAnniversary = v.fmtStamp(ts)
	}
	if v.first > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("Became a customer during the period: the report starts on %s.", fmtDate(v.start().date)))
	}
	if v.last < len(v.days)-1 {
		p.Churned = true
		p.Notes = append(p.Notes, fmt.Sprintf("Churned on %s: the report ends on %s, the last day as a customer.",
			fmtDate(v.days[v.last+1].date), fmtDate(e.date)))
		p.NextAnniversary = ""
	}
}

func (v *view) cards(p *page, risk *Risk) {
	s, e := v.start(), v.end()
	h := card{Label: "Health score", Value: noData}
	if score := e.ptr(m.ClientHealthScore); score != nil {
		band := v.band(*score)
		h.Value, h.Class = fmtScore(score)+" · "+band, bandClass(band)
		if was := s.ptr(m.ClientHealthScore); was != nil && v.first != v.last {
			h.Detail = fmt.Sprintf("%s since %s", signed(math.Round(*score)-math.Round(*was)), fmtDate(s.date))
			if math.Round(*score) == math.Round(*was) {
				h.Detail = "unchanged since " + fmtDate(s.date)
			}
		} else if v.first != v.last {
			h.Detail = fmt.Sprintf("%s on %s", noData, fmtDate(s.date))
		}
	}
	cov := card{Label: "Evidence (coverage)", Value: fmtPercent(e.ptr(m.ClientHealthCoverage)),
		Detail: "weight of the components with data"}
	mrr := card{Label: "Monthly recurring revenue", Value: noData}
	var amounts []string
	for _, s := range e.series[m.ClientMRR] {
		amounts = append(amounts, fmtMoney(s.Labels[m.LabelCurrency], s.Value))
	}
	if len(amounts) > 0 {
		slices.Sort(amounts)
		mrr.Value = strings.Join(amounts, " + ")
	} else if _, ok := e.get(m.ContractInfo); ok {
		mrr.Value = "none in force"
	}
	mrr.Detail = "on " + fmtDate(e.date)
	p.Cards = []card{h, cov, mrr}
	if risk != nil && v.last == len(v.days)-1 {
		c := card{Label: "Churn risk", Value: noData}
		for _, s := range risk.Series {
			if s.Name == m.ClientChurnRisk {
				c.Value = fmt.Sprintf("%.0f%%", 100*s.Value)
				c.Detail = "within " + s.Labels[m.LabelHorizon]
				if s.Value >= v.s.RiskThreshold {
					c.Class = "critical"
				}
			}
		}
		p.Cards = append(p.Cards, c)
	}
}

func (v *view) service(p *page) {
	s, e := v.start(), v.end()
	for _, mo := range v.months() {
		row := monthRow{Month: v.days[mo[0]].date.Format("January 2006"), Tickets: noData, PerEndpoint: noData,
			Target: noData, SLA: noData, CSAT: noData}
		i := v.lastActiveIn(mo[0], mo[1])
		if i < 0 {
			row.AsOf = "not a customer"
			p.Months = append(p.Months, row)
			continue
		}
		d := v.days[i]
		row.AsOf = fmtDate(d.date)
		if n, ok := d.get(m.ClientTickets, m.LabelWindow, v.s.UtilizationWindow); ok {
			row.Tickets = fmtCount(n)
		}
		util, target := d.ptr(m.ClientUtilization), d.ptr(m.ClientUtilizationTarget)
		if util != nil {
			row.PerEndpoint = fmt.Sprintf("%.2f", *util)
		}
		if target != nil {
			row.Target = fmt.Sprintf("%.2f", *target)
		}
		row.Over = util != nil && target != nil && *util > *target
		if r := d.ptr(m.ClientSLACompliance); r != nil {
			n, _ := d.get(m.ClientSLATickets)
			row.SLA = fmt.Sprintf("%s of %s", fmtPercent(r), plural(int(n), "ticket", "tickets"))
		} else {
			row.SLA = noData + " (no SLA tickets)"
		}
		if r := d.ptr(m.ClientCSAT); r != nil {
			n, _ := d.get(m.ClientCSATResponses)
			row.CSAT = fmt.Sprintf("%s of %s", fmtPercent(r), plural(int(n), "response", "responses"))
		} else {
			row.CSAT = noData + " (no responses)"
		}
		p.Months = append(p.Months, row)
	}
	p.WindowNote = fmt.Sprintf("Each month is read on its last day in the period: tickets and tickets per endpoint over the %s before it, "+
		"SLA compliance over %s and satisfaction (share of positive responses) over %s. The target is tickets per endpoint over %s for this client's plan.",
		v.s.UtilizationWindow, v.s.SLAWindow, v.s.CSATWindow, v.s.UtilizationWindow)
	endpoints := func(d day) string {
		if n, ok := d.get(m.ClientEndpoints); ok {
			return fmt.Sprintf("%s on %s", fmtCount(n), fmtDate(d.date))
		}
		return fmt.Sprintf("%s on %s", noData, fmtDate(d.date))
	}
	p.Endpoints = endpoints(s) + "; " + endpoints(e)
	util := make([]*float64, len(v.days))
	target := make([]*float64, len(v.days))
	for i, d := range v.days {
		util[i], target[i] = d.ptr(m.ClientUtilization), d.ptr(m.ClientUtilizationTarget)
	}
	p.Utilization = utilizationChart(v.days, util, target)
}

func (v *view) health(p *page, risk *Risk) {
	scores := make([]*float64, len(v.days))
	for i, d := range v.days {
		scores[i] = d.ptr(m.ClientHealthScore)
	}
	p.Health = healthChart(v.days, scores, v.s.Critical, v.s.AtRisk)
	s, e := v.start(), v.end()
	for _, c := range v.s.Components {
		a, b := componentScore(s, c), componentScore(e, c)
		row := componentRow{Name: componentName(c), Start: fmtScore(a), End: fmtScore(b), Change: "–"}
		if a != nil && b != nil {
			row.Change = signed(math.Round(*b) - math.Round(*a))
		}
		p.Components = append(p.Components, row)
	}
	p.Changes = v.changes()
	if risk != nil && v.last == len(v.days)-1 {
		p.Risk = v.riskWords(risk)
	}
}

// riskWords reads the churn risk serving's model gives at the end.
func (v *view) riskWords(risk *Risk) []string {
	var ratio *Series
	var contributions []Series
	trained := ""
	var base *float64
	for i, s := range risk.Series {
		switch s.Name {
		case m.ClientChurnRisk:
			ratio = &risk.Series[i]
		case m.ClientChurnRiskContribution:
			contributions = append(contributions, s)
		case m.ChurnModelTrained:
			trained = v.fmtStamp(s.Value)
		case m.ChurnModelBaseRate:
			base = &risk.Series[i].Value
		}
	}
	if ratio == nil {
		return []string{"Churn risk: " + noData + " (none of the model's components has a score)."}
	}
	horizon := ratio.Labels[m.LabelHorizon]
	words := fmt.Sprintf("Churn risk within %s: %.0f%%", horizon, 100*ratio.Value)
	if base != nil {
		words += fmt.Sprintf(", where %.0f%% of clients churn within %s on average", 100**base, horizon)
	}
	if ratio.Value >= v.s.RiskThreshold {
		words += fmt.Sprintf("; at or above the %.0f%% at which we act", 100*v.s.RiskThreshold)
	}
	out := []string{words + "."}
	slices.SortStableFunc(contributions, func(a, b Series) int { return cmp.Compare(b.Value, a.Value) })
	var up, down []string
	for _, c := range contributions {
		name := componentName(model.Component(c.Labels[m.LabelComponent]))
		switch {
		case c.Value > 0.05:
			up = append(up, name)
		case c.Value < -0.05:
			down = append(down, name)
		}
	}
	if len(up) > 0 {
		out = append(out, "Raising it: "+strings.Join(up, ", ")+".")
	}
	if len(down) > 0 {
		slices.Reverse(down)
		out = append(out, "Lowering it: "+strings.Join(down, ", ")+".")
	}
	out = append(out, fmt.Sprintf("From the model learned from our own clients' history (trained %s), applied to the scores of %s.",
		trained, fmtDate(v.end().date)))
	return out
}

func (v *view) commitments(p *page) {
	e := v.end()
	inForce := map[string]bool{}
	for _, info := range e.series[m.ContractInfo] {
		id := info.Labels[m.LabelContractID]
		inForce[id] = true
		row := contractRow{Name: info.Labels[m.LabelContract], Type: info.Labels[m.LabelContractType], Value: noData,
			Ends: "no end date", Renewal: "evergreen", Notice: "evergreen", AutoRenew: "no"}
		if info.Labels[m.LabelAutoRenew] == "true" {
			row.AutoRenew = "yes"
		}
		if row.Type == "" {
			row.Type = "–"
		}
		if s, ok := e.find(m.ContractMonthlyValue, m.LabelContractID, id); ok {
			row.Value = fmtMoney(s.Labels[m.LabelCurrency], s.Value)
		}
		if ts, ok := e.get(m.ContractEndTimestamp, m.LabelContractID, id); ok {
			row.Ends = v.fmtStamp(ts)
		}
		if days, ok := e.get(m.ContractDaysToRenewal, m.LabelContractID, id); ok {
			if days < 0 {
				row.Renewal, row.Lapsed = fmt.Sprintf("lapsed %s ago", plural(int(-days), "day", "days")), true
			} else {
				row.Renewal = "in " + plural(int(days), "day", "days")
			}
		}
		if sent, ok := e.get(m.ContractRenewalNoticeSent, m.LabelContractID, id); ok {
			row.Notice = map[bool]string{true: "sent", false: "not sent"}[sent == 1]
		}
		if ts, ok := e.get(m.ContractCancelTimestamp, m.LabelContractID, id); ok {
			row.Cancel = "cancels on " + v.fmtStamp(ts)
		}
		p.Contracts = append(p.Contracts, row)
	}
	slices.SortStableFunc(p.Contracts, func(a, b contractRow) int { return cmp.Compare(a.Name, b.Name) })
	v.ended(p, inForce)
	v.reviews(p)
	v.assessment(p)
}

// ended lists the contracts seen during the period but not at its end,
// and the contract of the same type that renewed each, if any.
func (v *view) ended(p *page, atEnd map[string]bool) {
	type seen struct {
		name, kind string
		end        *float64
		last       int
	}
	gone := map[string]*seen{}
	var order []string
	for i := v.first; i <= v.last; i++ {
		for _, info := range v.days[i].series[m.ContractInfo] {
			id := info.Labels[m.LabelContractID]
			if atEnd[id] {
				continue
			}
			c := gone[id]
			if c == nil {
				c = &seen{name: info.Labels[m.LabelContract], kind: info.Labels[m.LabelContractType]}
				gone[id] = c
				order = append(order, id)
			}
			c.last = i
			c.end = v.days[i].ptr(m.ContractEndTimestamp, m.LabelContractID, id)
		}
	}
	e := v.end()
	for _, id := range order {
		c := gone[id]
		words := c.name
		if c.end != nil {
			words += " ended on " + v.fmtStamp(*c.end)
		} else {
			words += fmt.Sprintf(" was last in force on %s", fmtDate(v.days[c.last].date))
		}
		var by []string
		for _, info := range e.series[m.ContractInfo] {
			if info.Labels[m.LabelContractType] == c.kind {
				by = append(by, info.Labels[m.LabelContract])
			}
		}
		if len(by) > 0 {
			slices.Sort(by)
			words += "; renewed by " + strings.Join(by, ", ")
		} else {
			words += "; not renewed"
		}
		p.Ended = append(p.Ended, words+".")
	}
}

func (v *view) reviews(p *page) {
	from, to := v.days[0].date, v.days[len(v.days)-1].date
	var held []string
	last := math.NaN()
	for i := v.first; i <= v.last; i++ {
		ts, ok := v.days[i].get(m.ClientLastReviewTimestamp)
		if !ok || ts == last {
			continue
		}
		last = ts
		if t := v.stamp(ts); !t.Before(from) && !t.After(to) {
			held = append(held, fmtDate(t))
		}
	}
	p.Reviews = "none"
	if len(held) > 0 {
		p.Reviews = strings.Join(held, ", ")
	}
	if ts, ok := v.start().get(m.ClientLastReviewTimestamp); ok && v.stamp(ts).Before(from) {
		p.LastReviewBefore = v.fmtStamp(ts)
	}
	e := v.end()
	cadence, ok := e.get(m.ClientReviewCadence)
	if !ok {
		p.NextReview = noData
		return
	}
	base, since := e.ptr(m.ClientLastReviewTimestamp), "after the last review"
	if base == nil {
		base, since = e.ptr(m.ClientStartTimestamp), "after becoming a customer, with no review yet"
	}
	if base == nil {
		p.NextReview = noData
		return
	}
	days := int(math.Round(cadence / 86400))
	due := v.stamp(*base).AddDate(0, 0, days)
	if due.Before(e.date) {
		p.NextReview = fmt.Sprintf("was due on %s (%s %s): overdue", fmtDate(due), plural(days, "day", "days"), since)
	} else {
		p.NextReview = fmt.Sprintf("due by %s (%s %s)", fmtDate(due), plural(days, "day", "days"), since)
	}
}

func (v *view) assessment(p *page) {
	end := v.end().ptr(m.ClientBestPractice)
	if end == nil {
		p.Assessment = noData
		return
	}
	p.Assessment = fmt.Sprintf("%s of the standards met on %s", fmtPercent(end), fmtDate(v.end().date))
	var changed []string
	prev := v.start().ptr(m.ClientBestPractice)
	for i := v.first + 1; i <= v.last; i++ {
		cur := v.days[i].ptr(m.ClientBestPractice)
		if cur != nil && (prev == nil || *cur != *prev) {
			changed = append(changed, fmtDate(v.days[i].date))
		}
		prev = cur
	}
	start := v.start().ptr(m.ClientBestPractice)
	switch {
	case len(changed) == 0:
		p.Assessment += fmt.Sprintf(", unchanged since %s", fmtDate(v.start().date))
	case start == nil:
		p.Assessment += fmt.Sprintf(" (%s on %s; a new assessment on %s)", noData, fmtDate(v.start().date), strings.Join(changed, ", "))
	default:
		p.Assessment += fmt.Sprintf(" (%s on %s, %s points; a new assessment on %s)", fmtPercent(start), fmtDate(v.start().date),
			signed(100*(*end-*start)), strings.Join(changed, ", "))
	}
	p.Assessment += "."
}

func (v *view) billing(p *page) {
	e := v.end()
	n, ok := e.get(m.ClientOverdueInvoices)
	switch {
	case !ok:
		p.Billing = []string{"Overdue invoices: " + noData + "."}
		return
	case n == 0:
		p.Billing = []string{fmt.Sprintf("No overdue invoices on %s.", fmtDate(e.date))}
		return
	}
	var amounts []string
	for _, s := range e.series[m.ClientOverdueAmount] {
		amounts = append(amounts, fmtMoney(s.Labels[m.LabelCurrency], s.Value))
	}
	slices.Sort(amounts)
	words := fmt.Sprintf("%s overdue on %s", plural(int(n), "invoice", "invoices"), fmtDate(e.date))
	if len(amounts) > 0 {
		words += ": " + strings.Join(amounts, " + ")
	}
	p.Billing = []string{words + "."}
	if ts, ok := e.get(m.ClientOldestOverdueTimestamp); ok {
		due := v.stamp(ts)
		days := int(math.Round(e.date.Sub(due).Hours() / 24))
		p.Billing = append(p.Billing, fmt.Sprintf("The oldest was due on %s, %s before.", fmtDate(due), plural(days, "day", "days")))
	}
}

func (v *view) recommendations(p *page) {
	e := v.end()
	p.RecommendationsAt = fmtDate(e.date)
	if v.last < len(v.days)-1 {
		return // churned: nothing left to recommend
	}
	for _, c := range v.s.Components {
		rule, ok := v.s.Rules[c]
		score := componentScore(e, c)
		if !ok || score == nil || *score >= rule.Target {
			continue
		}
		p.Recommendations = append(p.Recommendations, recommendation{Component: componentName(c), Score: fmtScore(score),
			Target: fmt.Sprintf("%.0f", rule.Target), Text: rule.Text})
	}
}

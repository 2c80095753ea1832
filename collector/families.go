package collector

import (
	"strconv"

	"github.com/retention-exporter/retention_exporter/metrics"
	"github.com/retention-exporter/retention_exporter/model"
)

// emitFunc adds one sample with label values in the family's label order.
type emitFunc func(value float64, labelValues ...string)

// family is one metric family and how to read its samples off a result.
type family struct {
	name, help string
	labels     []string
	collect    func(r *model.Result, emit emitFunc)
}

var (
	clientLabels   = []string{metrics.LabelClientID, metrics.LabelClient}
	contractLabels = []string{metrics.LabelClientID, metrics.LabelClient, metrics.LabelContractID, metrics.LabelContract}
)

func with(base []string, extra ...string) []string {
	return append(append([]string{}, base...), extra...)
}

// clientGauge is a per-client family read from one optional field.
func clientGauge(name, help string, field func(c *model.ClientResult) *float64) family {
	return family{name: name, help: help, labels: clientLabels, collect: func(r *model.Result, emit emitFunc) {
		for i := range r.Clients {
			c := &r.Clients[i]
			if v := field(c); v != nil {
				emit(*v, c.ID, c.Name)
			}
		}
	}}
}

// clientByCurrency is a per-client family with one sample per currency.
func clientByCurrency(name, help string, field func(c *model.ClientResult) []model.CurrencyValue) family {
	return family{name: name, help: help, labels: with(clientLabels, metrics.LabelCurrency), collect: func(r *model.Result, emit emitFunc) {
		for i := range r.Clients {
			c := &r.Clients[i]
			for _, v := range field(c) {
				emit(v.Value, c.ID, c.Name, v.Currency)
			}
		}
	}}
}

// contractGauge is a per-contract family read from one optional field.
func contractGauge(name, help string, extra []string, field func(k *model.ContractResult) (*float64, []string)) family {
	return family{name: name, help: help, labels: with(contractLabels, extra...), collect: func(r *model.Result, emit emitFunc) {
		for i := range r.Contracts {
			k := &r.Contracts[i]
			if v, lvs := field(k); v != nil {
				emit(*v, append([]string{k.ClientID, k.ClientName, k.ID, k.Name}, lvs...)...)
			}
		}
	}}
}

func contractField(field func(k *model.ContractResult) *float64) func(k *model.ContractResult) (*float64, []string) {
	return func(k *model.ContractResult) (*float64, []string) { return field(k), nil }
}

// portfolioGauge is an aggregate family; labels pick fields of the group.
func portfolioGauge(name, help string, groups func(p *model.Portfolio) []model.Group, labels ...string) family {
	return family{name: name, help: help, labels: labels, collect: func(r *model.Result, emit emitFunc) {
		for _, g := range groups(&r.Portfolio) {
			lvs := make([]string, len(labels))
			for i, l := range labels {
				switch l {
				case metrics.LabelSegment:
					lvs[i] = g.Segment
				case metrics.LabelCurrency:
					lvs[i] = g.Currency
				case metrics.LabelReason:
					lvs[i] = g.Reason
				case metrics.LabelWindow:
					lvs[i] = g.Window
				case metrics.LabelMovement:
					lvs[i] = g.Movement
				case metrics.LabelCohort:
					lvs[i] = g.Cohort
				case metrics.LabelAgeMonths:
					lvs[i] = g.Age
				}
			}
			emit(g.Value, lvs...)
		}
	}}
}

var one = 1.0

func clientFamilies() []family {
	return []family{
		{name: metrics.ClientInfo, help: "Client attributes; value 1. Join on client_id for segment and account manager.",
			labels: with(clientLabels, metrics.LabelSegment, metrics.LabelAccountManager),
			collect: func(r *model.Result, emit emitFunc) {
				for _, c := range r.Clients {
					emit(1, c.ID, c.Name, c.Segment, c.AccountManager)
				}
			}},
		clientGauge(metrics.ClientStartTimestamp, "Date the client became a customer, 00:00 in the configured zone.",
			func(c *model.ClientResult) *float64 { return &c.StartTimestamp }),
		clientGauge(metrics.ClientNextAnniversaryTimestamp, "Next customer anniversary on or after today.",
			func(c *model.ClientResult) *float64 { return &c.NextAnniversaryTimestamp }),
		clientGauge(metrics.ClientEndpoints, "Endpoints managed today.",
			func(c *model.ClientResult) *float64 { return c.Endpoints }),
		{name: metrics.ClientTickets, help: "Tickets created in the window.",
			labels: with(clientLabels, metrics.LabelWindow),
			collect: func(r *model.Result, emit emitFunc) {
				for _, c := range r.Clients {
					for _, t := range c.Tickets {
						emit(t.Value, c.ID, c.Name, t.Window)
					}
				}
			}},
		clientGauge(metrics.ClientUtilization, "Tickets per managed endpoint in the utilization window.",
			func(c *model.ClientResult) *float64 { return c.Utilization }),
		clientGauge(metrics.ClientSLACompliance, "Share of SLA tickets in the SLA window that met their SLA.",
			func(c *model.ClientResult) *float64 { return c.SLACompliance }),
		clientGauge(metrics.ClientSLATickets, "SLA tickets in the SLA window: the compliance ratio's denominator.",
			func(c *model.ClientResult) *float64 { return c.SLATickets }),
		clientGauge(metrics.ClientCSAT, "Share of positive CSAT responses in the CSAT window.",
			func(c *model.ClientResult) *float64 { return c.CSAT }),
		clientGauge(metrics.ClientCSATResponses, "CSAT responses in the CSAT window: the CSAT ratio's denominator.",
			func(c *model.ClientResult) *float64 { return c.CSATResponses }),
		clientGauge(metrics.ClientBestPractice, "Share of standards met in the latest best-practice assessment.",
			func(c *model.ClientResult) *float64 { return c.BestPractice }),
		clientGauge(metrics.ClientLastReviewTimestamp, "Date of the latest business review.",
			func(c *model.ClientResult) *float64 { return c.LastReviewTimestamp }),
		clientGauge(metrics.ClientRenewalContacts, "Active renewal contacts.",
			func(c *model.ClientResult) *float64 { return c.RenewalContacts }),
		clientGauge(metrics.ClientOverdueInvoices, "Overdue invoices.",
			func(c *model.ClientResult) *float64 { return c.OverdueInvoices }),
		clientByCurrency(metrics.ClientOverdueAmount, "Sum of overdue invoice amounts.",
			func(c *model.ClientResult) []model.CurrencyValue { return c.OverdueAmount }),
		clientGauge(metrics.ClientOldestOverdueTimestamp, "Earliest due date among overdue invoices.",
			func(c *model.ClientResult) *float64 { return c.OldestOverdueTimestamp }),
		clientByCurrency(metrics.ClientMRR, "Monthly recurring revenue of contracts in force today.",
			func(c *model.ClientResult) []model.CurrencyValue { return c.MRR }),
		clientGauge(metrics.ClientHealthScore, "Health score 0-100: weighted mean of the present components.",
			func(c *model.ClientResult) *float64 { return c.Health }),
		{name: metrics.ClientHealthComponentScore, help: "Health component score 0-100, for each present component.",
			labels: with(clientLabels, metrics.LabelComponent),
			collect: func(r *model.Result, emit emitFunc) {
				for _, c := range r.Clients {
					for _, s := range c.Components {
						emit(s.Score, c.ID, c.Name, string(s.Component))
					}
				}
			}},
		clientGauge(metrics.ClientHealthCoverage, "Weight of the present health components over the weight of the configured ones.",
			func(c *model.ClientResult) *float64 { return c.Coverage }),
		clientGauge(metrics.ClientUtilizationTarget, "Utilization target of the client's health profile: tickets per endpoint per utilization window.",
			func(c *model.ClientResult) *float64 { return c.UtilizationTarget }),
		clientGauge(metrics.ClientReviewCadence, "Review cadence of the client's health profile.",
			func(c *model.ClientResult) *float64 { return c.ReviewCadenceSeconds }),
		{name: metrics.ClientChurnRisk, help: "Probability of churning within the horizon, from the churn-risk model file.",
			labels: with(clientLabels, metrics.LabelHorizon),
			collect: func(r *model.Result, emit emitFunc) {
				for _, c := range r.Clients {
					if c.ChurnRisk != nil {
						emit(*c.ChurnRisk, c.ID, c.Name, r.Risk.Horizon.Label)
					}
				}
			}},
		{name: metrics.ClientChurnRiskContribution, help: "Log-odds a present health component adds to the churn risk: coefficient * (score - mean) / scale.",
			labels: with(clientLabels, metrics.LabelComponent),
			collect: func(r *model.Result, emit emitFunc) {
				for _, c := range r.Clients {
					for _, s := range c.RiskContributions {
						emit(s.Score, c.ID, c.Name, string(s.Component))
					}
				}
			}},
	}
}

// modelFamilies are the churn-risk model's own series: its evaluation,
// as the model file holds it.
func modelFamilies() []family {
	gauge := func(name, help string, value func(m *model.RiskModel) *float64) family {
		return family{name: name, help: help, labels: []string{metrics.LabelHorizon}, collect: func(r *model.Result, emit emitFunc) {
			if r.Risk != nil {
				if v := value(r.Risk); v != nil {
					emit(*v, r.Risk.Horizon.Label)
				}
			}
		}}
	}
	bins := func(name, help string, value func(b model.CalibrationBin) float64) family {
		return family{name: name, help: help, labels: []string{metrics.LabelHorizon, metrics.LabelBin}, collect: func(r *model.Result, emit emitFunc) {
			if r.Risk != nil {
				for i, b := range r.Risk.Evaluation.Calibration {
					emit(value(b), r.Risk.Horizon.Label, strconv.Itoa(i+1))
				}
			}
		}}
	}
	return []family{
		gauge(metrics.ChurnModelTrained, "When the churn-risk model was trained: the start of the day its outcomes are known to.",
			func(m *model.RiskModel) *float64 { v := float64(m.TrainedAt.Unix()); return &v }),
		{name: metrics.ChurnModelAUC, help: "Walk-forward AUC of the learned churn risk and of the health score on the same rows.",
			labels: []string{metrics.LabelHorizon, metrics.LabelModel}, collect: func(r *model.Result, emit emitFunc) {
				if r.Risk == nil {
					return
				}
				if v := r.Risk.Evaluation.AUC; v != nil {
					emit(*v, r.Risk.Horizon.Label, metrics.ModelLearned)
				}
				if v := r.Risk.Evaluation.HealthScoreAUC; v != nil {
					emit(*v, r.Risk.Horizon.Label, metrics.ModelHealthScore)
				}
			}},
		gauge(metrics.ChurnModelBrier, "Walk-forward Brier score of the learned churn risk.",
			func(m *model.RiskModel) *float64 { return m.Evaluation.Brier }),
		gauge(metrics.ChurnModelBaseRate, "Share of the labelled training rows whose client churned within the horizon.",
			func(m *model.RiskModel) *float64 { return &m.Evaluation.BaseRate }),
		gauge(metrics.ChurnModelEvents, "Labelled training rows whose client churned within the horizon.",
			func(m *model.RiskModel) *float64 { v := float64(m.Evaluation.Events); return &v }),
		bins(metrics.ChurnModelCalibrationPredicted, "Mean predicted churn risk in each calibration bin of the walk-forward rows.",
			func(b model.CalibrationBin) float64 { return b.Predicted }),
		bins(metrics.ChurnModelCalibrationObserved, "Observed churn rate in each calibration bin of the walk-forward rows.",
			func(b model.CalibrationBin) float64 { return b.Observed }),
	}
}

func contractFamilies() []family {
	return []family{
		contractGauge(metrics.ContractDaysToRenewal, "Days from today to the contract's end date; negative when lapsed.", nil,
			contractField(func(k *model.ContractResult) *float64 { return k.DaysToRenewal })),
		contractGauge(metrics.ContractEndTimestamp, "Contract end date.", nil,
			contractField(func(k *model.ContractResult) *float64 { return k.EndTimestamp })),
		contractGauge(metrics.ContractMonthlyValue, "Contract monthly value.", []string{metrics.LabelCurrency},
			func(k *model.ContractResult) (*float64, []string) { return k.MonthlyValue, []string{k.Currency} }),
		contractGauge(metrics.ContractRenewalNoticeSent, "1 when a renewal notice was sent for this term, else 0.", nil,
			contractField(func(k *model.ContractResult) *float64 { return k.RenewalNoticeSent })),
		contractGauge(metrics.ContractCancelTimestamp, "Announced cancellation date of a contract still in force.", nil,
			contractField(func(k *model.ContractResult) *float64 { return k.CancelTimestamp })),
		contractGauge(metrics.ContractInfo, "Contract attributes; value 1.", []string{metrics.LabelContractType, metrics.LabelAutoRenew},
			func(k *model.ContractResult) (*float64, []string) {
				return &one, []string{k.Type, strconv.FormatBool(k.AutoRenew)}
			}),
	}
}

func portfolioFamilies() []family {
	seg, cur, win, rsn := metrics.LabelSegment, metrics.LabelCurrency, metrics.LabelWindow, metrics.LabelReason
	mov, coh, age := metrics.LabelMovement, metrics.LabelCohort, metrics.LabelAgeMonths
	return []family{
		portfolioGauge(metrics.Clients, "Clients active today.",
			func(p *model.Portfolio) []model.Group { return p.Clients }, seg),
		portfolioGauge(metrics.ChurnCohortClients, "Clients active at the start of the window.",
			func(p *model.Portfolio) []model.Group { return p.ChurnCohort }, seg, win),
		portfolioGauge(metrics.ChurnedClients, "Clients of the window's cohort that churned within the window.",
			func(p *model.Portfolio) []model.Group { return p.Churned }, seg, win),
		portfolioGauge(metrics.ChurnedClientsByReason, "Churned clients of the window's cohort by normalised reason.",
			func(p *model.Portfolio) []model.Group { return p.ChurnedByReason }, seg, rsn, win),
		portfolioGauge(metrics.MRR, "Monthly recurring revenue of clients active today.",
			func(p *model.Portfolio) []model.Group { return p.MRR }, seg, cur),
		portfolioGauge(metrics.RevenueCohortMRR, "MRR at the start of the window of the clients active then.",
			func(p *model.Portfolio) []model.Group { return p.RevenueCohort }, seg, cur, win),
		portfolioGauge(metrics.RevenueRetainedMRR, "Sum over the revenue cohort of min(MRR today, MRR then): gross revenue retention numerator.",
			func(p *model.Portfolio) []model.Group { return p.RevenueRetained }, seg, cur, win),
		portfolioGauge(metrics.RevenueCurrentMRR, "Sum over the revenue cohort of MRR today: net revenue retention numerator.",
			func(p *model.Portfolio) []model.Group { return p.RevenueCurrent }, seg, cur, win),
		portfolioGauge(metrics.MRRMovement, "MRR that moved over the window: new, reactivation, expansion, contraction or churn, net per client and currency.",
			func(p *model.Portfolio) []model.Group { return p.MRRMovement }, seg, cur, win, mov),
		portfolioGauge(metrics.MRRMovementClients, "Clients (per currency) whose MRR made the movement over the window.",
			func(p *model.Portfolio) []model.Group { return p.MRRMovementClients }, seg, cur, win, mov),
		portfolioGauge(metrics.CohortClients, "Clients whose customer_since falls in the cohort month.",
			func(p *model.Portfolio) []model.Group { return p.CohortClients }, seg, coh),
		portfolioGauge(metrics.CohortRetainedClients, "Clients of the cohort active on the last day of the month age_months after it.",
			func(p *model.Portfolio) []model.Group { return p.CohortRetained }, seg, coh, age),
		portfolioGauge(metrics.CohortMRR, "MRR of the cohort's clients on the last day of the month age_months after it.",
			func(p *model.Portfolio) []model.Group { return p.CohortMRR }, seg, coh, cur, age),
	}
}

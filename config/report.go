package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/retention-exporter/retention_exporter/model"
)

// Report configures the client report (retention_exporter report): whose
// name heads it and what it recommends.
type Report struct {
	// MSPName is the MSP's name in the report's header.
	MSPName string `yaml:"msp_name"`
	// Recommendations hold one rule per health component: the report
	// recommends Text when the component's score at the end of the
	// period is below Target.
	Recommendations Recommendations `yaml:"recommendations"`
}

// Recommendation is the rule of one health component.
type Recommendation struct {
	// Target is the score (0–100) below which the text is recommended;
	// 0 never recommends it.
	Target float64 `yaml:"target"`
	Text   string  `yaml:"text"`
}

// Recommendations are the rules by component. A component left out, or
// a field left out, keeps its default.
type Recommendations map[Component]Recommendation

// defaultRecommendations are the rules an MSP starts from: a score below
// 100 on the components that are either met or not (utilization within
// target, a review within cadence, nothing overdue, two renewal
// contacts), and the alerts' own minimums for SLA and CSAT.
func defaultRecommendations() Recommendations {
	return Recommendations{
		model.ComponentUtilization: {100, "Ticket volume per endpoint is above the level expected for your plan. " +
			"Let us go through the most frequent issues together: fixing root causes, user training or replacing ageing devices brings it down."},
		model.ComponentSLA: {90, "Some tickets missed their service-level targets. " +
			"We will review the breached tickets with you and agree on priorities and escalation contacts."},
		model.ComponentCSAT: {70, "Fewer of your users rated our support as good than we aim for. " +
			"We will follow up on every low rating and ask more users for feedback after each ticket."},
		model.ComponentEngagement: {100, "A business review is due. Let us schedule the next one now, and keep to the agreed cadence."},
		model.ComponentBilling: {100, "Invoices are overdue. Please check the open invoices with your accounts team; " +
			"we are glad to help with any billing question."},
		model.ComponentBestPractice: {80, "Your environment meets fewer of our best-practice standards than we recommend. " +
			"We will walk through the open items with you and plan their remediation."},
		model.ComponentContacts: {100, "We have fewer than two renewal contacts for your account. " +
			"Please name who should hear from us about renewals, so that nothing is missed."},
	}
}

// UnmarshalYAML merges the given rules into the existing ones, field by
// field, and rejects unknown components and keys with their line.
func (r *Recommendations) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: report.recommendations maps a health component to its target and text", n.Line)
	}
	if *r == nil {
		*r = Recommendations{}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i]
		if !knownComponent(Component(key.Value)) {
			hint := ""
			if c := closest(key.Value, componentNameList()); c != "" {
				hint = fmt.Sprintf("; did you mean %q?", c)
			}
			return fmt.Errorf("line %d: unknown health component %q in report.recommendations%s (known: %s)", key.Line, key.Value, hint, componentNames())
		}
		value := n.Content[i+1]
		if err := checkKeys(value, reflect.TypeFor[Recommendation](), "report.recommendations."+key.Value); err != nil {
			return err
		}
		rec := (*r)[Component(key.Value)]
		if err := value.Decode(&rec); err != nil {
			return err
		}
		(*r)[Component(key.Value)] = rec
	}
	return nil
}

func (c *Config) checkReport() error {
	if strings.TrimSpace(c.Report.MSPName) == "" {
		return errors.New("report.msp_name must not be empty")
	}
	for name, rec := range c.Report.Recommendations {
		if rec.Target < 0 || rec.Target > 100 {
			return fmt.Errorf("report.recommendations.%s.target must be between 0 and 100", name)
		}
		if strings.TrimSpace(rec.Text) == "" {
			return fmt.Errorf("report.recommendations.%s.text must not be empty", name)
		}
	}
	return nil
}

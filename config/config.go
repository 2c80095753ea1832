// Package config loads and checks the exporter's YAML configuration: the
// sources, the SQL of every fact query, and the windows, weights, targets
// and bands that the exporter, the dashboards and the alert rules share.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/retention-exporter/retention_exporter/fact"
	"github.com/retention-exporter/retention_exporter/model"
	"github.com/retention-exporter/retention_exporter/risk"
)

// Default environment variables holding the DSNs.
const (
	DefaultPSADSNEnv     = "RETENTION_PSA_DSN"
	DefaultBillingDSNEnv = "RETENTION_BILLING_DSN"
)

// Config is the whole configuration file.
type Config struct {
	RefreshInterval Duration `yaml:"refresh_interval"`
	MaxStaleness    Duration `yaml:"max_staleness"`
	// TimeZone is an IANA zone name: it fixes "today" and how DATETIME
	// columns are read.
	TimeZone string            `yaml:"time_zone"`
	Sources  Sources           `yaml:"sources"`
	Queries  map[string]*Query `yaml:"queries"`
	// Params are the mapping's own named values, bound as :name.
	MappingParams map[string]MappingParam `yaml:"params"`
	Windows       Windows                 `yaml:"windows"`
	Health        Health                  `yaml:"health"`
	Churn         Churn                   `yaml:"churn"`
	Cohorts       Cohorts                 `yaml:"cohorts"`
	Series        SeriesOptions           `yaml:"series"`
	Targets       Targets                 `yaml:"targets"`
	Risk          Risk                    `yaml:"risk"`
	Alerts        Alerts                  `yaml:"alerts"`
	Report        Report                  `yaml:"report"`
	location      *time.Location          `yaml:"-"`
	dir           string                  `yaml:"-"`
	stmts         map[string]Statement
	// billing is decided once, when the config is loaded.
	billing bool
	// profileList is the resolved health profiles, the default first.
	profileList []*Profile
	riskModel   *model.RiskModel
	skipModel   bool
	params      *model.Params
}

// Sources holds the two databases. Billing is optional.
type Sources struct {
	PSA     *Source `yaml:"psa"`
	Billing *Source `yaml:"billing"`
}

// Source is one MySQL-compatible database.
type Source struct {
	// DSNEnv names the environment variable holding the DSN
	// (go-sql-driver/mysql format: user:password@tcp(host:3306)/db).
	DSNEnv string `yaml:"dsn_env"`
	// DSNFile is a file holding the DSN; it wins over DSNEnv.
	DSNFile      string   `yaml:"dsn_file"`
	MaxOpenConns int      `yaml:"max_open_conns"`
	QueryTimeout Duration `yaml:"query_timeout"`
	TLS          *TLS     `yaml:"tls"`
	// implicit is set for a billing source that exists only because its
	// default environment variable might be set.
	implicit bool
}

// TLS configures TLS to the database server.
type TLS struct {
	CAFile             string `yaml:"ca_file"`
	CertFile           string `yaml:"cert_file"`
	KeyFile            string `yaml:"key_file"`
	ServerName         string `yaml:"server_name"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

// Query replaces or disables one fact query.
type Query struct {
	SQL      string `yaml:"sql"`
	File     string `yaml:"file"`
	Disabled bool   `yaml:"disabled"`
}

// Windows are the look-back periods of the windowed metrics.
type Windows struct {
	Tickets     []Window `yaml:"tickets"`
	Utilization Window   `yaml:"utilization"`
	SLA         Window   `yaml:"sla"`
	CSAT        Window   `yaml:"csat"`
	Churn       []Window `yaml:"churn"`
	Revenue     []Window `yaml:"revenue"`
	// Movements are the windows MRR movements are netted over.
	Movements []Window `yaml:"movements"`
	// Lapsed is how far back an expired contract still counts as lapsed.
	Lapsed Window `yaml:"lapsed"`
}

// Health holds the score's weights, targets and bands. Weights,
// UtilizationTarget and ReviewCadence form the default profile; Profiles
// give other values to named segments.
type Health struct {
	Weights Weights `yaml:"weights"`
	// UtilizationTarget is tickets per endpoint per utilization window.
	UtilizationTarget float64 `yaml:"utilization_target"`
	// ReviewCadence is the expected time between business reviews.
	ReviewCadence Window `yaml:"review_cadence"`
	// OverdueLimit is how long overdue an invoice may be before the billing
	// component reaches 0.
	OverdueLimit Window `yaml:"overdue_limit"`
	// PositiveScore is the lowest survey score counted as positive.
	PositiveScore int   `yaml:"positive_score"`
	Bands         Bands `yaml:"bands"`
	// Profiles score the clients of named segments differently.
	Profiles []ProfileConfig `yaml:"profiles"`
}

// Bands are the health score thresholds: below Critical is critical,
// below AtRisk is at risk, otherwise healthy.
type Bands struct {
	Critical float64 `yaml:"critical"`
	AtRisk   float64 `yaml:"at_risk"`
}

// Targets are the dashboards' thresholds for revenue retention and for
// the evidence a health score rests on.
type Targets struct {
	GRR Threshold `yaml:"grr"`
	NRR Threshold `yaml:"nrr"`
	// Coverage below this shows as thin evidence.
	Coverage float64 `yaml:"coverage"`
}

// Threshold colours a ratio: below Warning red, below Target orange,
// from Target on green.
type Threshold struct {
	Warning float64 `yaml:"warning"`
	Target  float64 `yaml:"target"`
}

// Risk configures churn risk learned by fit-risk.
type Risk struct {
	// ModelFile is the model file fit-risk wrote; relative to the config
	// file's directory. Without one no churn-risk series exist.
	ModelFile string `yaml:"model_file"`
	// Threshold is the churn risk at and above which a client alerts and
	// shows red: a few times the base rate of a typical MSP.
	Threshold float64 `yaml:"threshold"`
	// MaxModelAge: a model trained longer ago than this alerts.
	MaxModelAge Window `yaml:"max_model_age"`
}

// Churn configures the churn metrics.
type Churn struct {
	// ReasonsLimit is how many of the most frequent churn reasons keep
	// their own label value; the rest become "other".
	ReasonsLimit int `yaml:"reasons_limit"`
}

// Cohorts sets the cohort tables: clients grouped by the calendar month
// of customer_since.
type Cohorts struct {
	// Months is how many complete months back the cohorts go.
	Months int `yaml:"months"`
}

// maxCohortMonths bounds the cohort triangle: series grow with its square.
const maxCohortMonths = 120

// SeriesOptions drops optional per-client detail for very large tenants.
type SeriesOptions struct {
	ComponentScores bool `yaml:"component_scores"`
	Contracts       bool `yaml:"contracts"`
}

// Alerts holds the thresholds and links of the generated alert rules.
type Alerts struct {
	// Selector picks the exporter's scrape target in the up-based alert.
	Selector string `yaml:"selector"`
	// RunbookURL is where docs/runbooks.md is published; alerts link
	// to its sections.
	RunbookURL string `yaml:"runbook_url"`
	// GrafanaURL is the base URL of Grafana, for dashboard links.
	GrafanaURL string `yaml:"grafana_url"`
	// RenewalHorizons are the horizons of the renewals-due rules.
	RenewalHorizons []Window `yaml:"renewal_horizons"`
	// RenewalAtRiskWithin: a renewal this close with health at risk alerts.
	RenewalAtRiskWithin Window `yaml:"renewal_at_risk_within"`
	// RenewalNoticeWithin: a renewal this close without a notice alerts.
	RenewalNoticeWithin Window `yaml:"renewal_notice_within"`
	// RenewalContactsMin renewal contacts are expected when a renewal is
	// within RenewalContactsWithin.
	RenewalContactsMin    int    `yaml:"renewal_contacts_min"`
	RenewalContactsWithin Window `yaml:"renewal_contacts_within"`
	// OverUtilizationFactor times the utilization target, sustained for
	// OverUtilizationFor, alerts.
	OverUtilizationFactor float64 `yaml:"over_utilization_factor"`
	OverUtilizationFor    Window  `yaml:"over_utilization_for"`
	SLAMin                float64 `yaml:"sla_min"`
	CSATMin               float64 `yaml:"csat_min"`
	// The SLA and CSAT alerts need this much evidence: a ratio of one or
	// two tickets or responses says little.
	SLAMinTickets    int `yaml:"sla_min_tickets"`
	CSATMinResponses int `yaml:"csat_min_responses"`
	// OverdueAfter: an invoice overdue longer than this alerts.
	OverdueAfter Window `yaml:"overdue_after"`
	// HealthDrop points lost within HealthDropWindow alerts.
	HealthDrop       float64 `yaml:"health_drop"`
	HealthDropWindow Window  `yaml:"health_drop_window"`
	// LogoChurnMax is the highest acceptable logo churn over
	// LogoChurnWindow, one of windows.churn (default: the first).
	LogoChurnMax    float64 `yaml:"logo_churn_max"`
	LogoChurnWindow Window  `yaml:"logo_churn_window"`
	// StaleAfter: data older than this alerts.
	StaleAfter Duration `yaml:"stale_after"`
}

// Default returns the configuration used when no file is given.
func Default() *Config {
	c := &Config{
		RefreshInterval: Duration(5 * time.Minute),
		MaxStaleness:    Duration(time.Hour),
		TimeZone:        "UTC",
		Windows: Windows{
			Tickets:     []Window{MustWindow("30d"), MustWindow("90d")},
			Utilization: MustWindow("30d"),
			SLA:         MustWindow("90d"),
			CSAT:        MustWindow("90d"),
			Churn:       []Window{MustWindow("30d"), MustWindow("90d"), MustWindow("365d")},
			Revenue:     []Window{MustWindow("365d")},
			Movements:   []Window{MustWindow("30d"), MustWindow("365d")},
			Lapsed:      MustWindow("90d"),
		},
		Cohorts: Cohorts{Months: 24},
		Health: Health{
			Weights:           defaultWeights(),
			UtilizationTarget: 0.20,
			ReviewCadence:     MustWindow("90d"),
			OverdueLimit:      MustWindow("60d"),
			PositiveScore:     4,
			Bands:             Bands{Critical: 40, AtRisk: 60},
		},
		Churn:  Churn{ReasonsLimit: 20},
		Series: SeriesOptions{ComponentScores: true, Contracts: true},
		Targets: Targets{
			GRR:      Threshold{Warning: 0.85, Target: 0.90},
			NRR:      Threshold{Warning: 0.95, Target: 1.00},
			Coverage: 0.70,
		},
		Risk:   Risk{Threshold: 0.10, MaxModelAge: MustWindow("45d")},
		Report: Report{MSPName: "Your MSP", Recommendations: defaultRecommendations()},
		Alerts: Alerts{
			Selector:              `job="retention"`,
			RunbookURL:            "https://github.com/retention-exporter/retention_exporter/blob/main/docs/runbooks.md",
			GrafanaURL:            "http://localhost:3000",
			RenewalHorizons:       []Window{MustWindow("30d"), MustWindow("60d"), MustWindow("90d")},
			RenewalAtRiskWithin:   MustWindow("90d"),
			RenewalNoticeWithin:   MustWindow("60d"),
			RenewalContactsMin:    2,
			RenewalContactsWithin: MustWindow("90d"),
			OverUtilizationFactor: 2,
			OverUtilizationFor:    MustWindow("3d"),
			SLAMin:                0.90,
			CSATMin:               0.70,
			SLAMinTickets:         10,
			CSATMinResponses:      5,
			OverdueAfter:          MustWindow("30d"),
			HealthDrop:            15,
			HealthDropWindow:      MustWindow("7d"),
			LogoChurnMax:          0.02,
			StaleAfter:            Duration(30 * time.Minute),
		},
	}
	return c
}

func defaultSource(env string) *Source {
	return &Source{DSNEnv: env, MaxOpenConns: 2, QueryTimeout: Duration(30 * time.Second)}
}

// Load reads and checks a configuration file. An empty path gives the
// default configuration. Relative query files resolve against the
// config file's directory.
func Load(path string) (*Config, error) { return load(path, os.Getenv, true) }

// LoadWithoutModel is Load without reading risk.model_file: fit-risk
// writes that file, so it must not need the one it replaces, or the
// first fit (no file yet) and a refit after the file was lost could not
// run. The configuration serves without churn risk.
func LoadWithoutModel(path string) (*Config, error) { return load(path, os.Getenv, false) }

func load(path string, getenv func(string) string, model bool) (*Config, error) {
	var data []byte
	dir := ""
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return nil, err
		}
		dir = filepath.Dir(path)
	}
	c, err := parse(data, dir, getenv, model)
	if err != nil && path != "" {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, err
}

// Parse reads and checks configuration text. Keys not known to the
// exporter are an error naming the key and its line. The environment
// decides whether the implicit billing source is configured.
func Parse(data []byte, dir string) (*Config, error) {
	return ParseEnv(data, dir, os.Getenv)
}

// ParseEnv is Parse with the environment given as a lookup function.
func ParseEnv(data []byte, dir string, getenv func(string) string) (*Config, error) {
	return parse(data, dir, getenv, true)
}

// parse reads and checks configuration text; model says whether to read
// risk.model_file.
func parse(data []byte, dir string, getenv func(string) string, model bool) (*Config, error) {
	c := Default()
	c.skipModel = !model
	c.dir = dir
	if len(bytes.TrimSpace(data)) > 0 {
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, err
		}
		if err := checkKeys(&doc, reflect.TypeFor[Config](), ""); err != nil {
			return nil, err
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
	}
	if c.Sources.PSA == nil {
		c.Sources.PSA = defaultSource(DefaultPSADSNEnv)
	} else {
		fillSource(c.Sources.PSA, DefaultPSADSNEnv)
	}
	if c.Sources.Billing == nil {
		c.Sources.Billing = defaultSource(DefaultBillingDSNEnv)
		c.Sources.Billing.implicit = true
	} else {
		fillSource(c.Sources.Billing, DefaultBillingDSNEnv)
	}
	b := c.Sources.Billing
	c.billing = !b.implicit || strings.TrimSpace(getenv(b.DSNEnv)) != ""
	if err := c.check(); err != nil {
		return nil, err
	}
	c.params = c.buildParams()
	return c, nil
}

func fillSource(s *Source, env string) {
	d := defaultSource(env)
	if s.DSNEnv == "" && s.DSNFile == "" {
		s.DSNEnv = d.DSNEnv
	}
	if s.MaxOpenConns == 0 {
		s.MaxOpenConns = d.MaxOpenConns
	}
	if s.QueryTimeout == 0 {
		s.QueryTimeout = d.QueryTimeout
	}
}

func (c *Config) check() error {
	if time.Duration(c.RefreshInterval) <= 0 {
		return errors.New("refresh_interval must be positive")
	}
	if c.MaxStaleness < c.RefreshInterval {
		return errors.New("max_staleness must be at least refresh_interval")
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return fmt.Errorf("time_zone: %w", err)
	}
	c.location = loc
	for name, s := range map[string]*Source{PSA: c.Sources.PSA, Billing: c.Sources.Billing} {
		if s.MaxOpenConns < 0 {
			return fmt.Errorf("sources.%s.max_open_conns must be positive", name)
		}
		if s.QueryTimeout < 0 {
			return fmt.Errorf("sources.%s.query_timeout must be positive", name)
		}
		if s.TLS != nil && (s.TLS.CertFile == "") != (s.TLS.KeyFile == "") {
			return fmt.Errorf("sources.%s.tls: cert_file and key_file go together", name)
		}
	}
	if err := c.checkWindows(); err != nil {
		return err
	}
	if err := c.checkHealth(); err != nil {
		return err
	}
	if c.Churn.ReasonsLimit < 1 {
		return errors.New("churn.reasons_limit must be at least 1")
	}
	if c.Cohorts.Months < 1 || c.Cohorts.Months > maxCohortMonths {
		return fmt.Errorf("cohorts.months must be between 1 and %d", maxCohortMonths)
	}
	if err := c.checkTargets(); err != nil {
		return err
	}
	if err := c.checkAlerts(); err != nil {
		return err
	}
	if err := c.checkReport(); err != nil {
		return err
	}
	if err := c.checkQueries(); err != nil {
		return err
	}
	return c.loadRisk()
}

// loadRisk checks the risk settings and reads the model file.
func (c *Config) loadRisk() error {
	r := c.Risk
	if r.Threshold <= 0 || r.Threshold >= 1 {
		return errors.New("risk.threshold must be between 0 and 1")
	}
	if r.MaxModelAge.Duration <= 0 {
		return errors.New("risk.max_model_age must be positive")
	}
	if r.ModelFile == "" || c.skipModel {
		return nil
	}
	p := r.ModelFile
	if !filepath.IsAbs(p) {
		p = filepath.Join(c.dir, p)
	}
	m, err := risk.ReadFile(p)
	if err != nil {
		return fmt.Errorf("risk.model_file: %w", err)
	}
	for _, t := range m.Terms {
		i := slices.IndexFunc(model.Components, func(s model.ComponentSpec) bool { return s.Name == t.Component })
		if !c.ComponentConfigured(model.Components[i]) {
			return fmt.Errorf("risk.model_file: %s: component %s is not configured (its queries are disabled)", p, t.Component)
		}
	}
	c.riskModel = m
	return nil
}

func (c *Config) checkWindows() error {
	w := c.Windows
	if len(w.Tickets) == 0 {
		return errors.New("windows.tickets needs at least one window")
	}
	if len(w.Churn) == 0 {
		return errors.New("windows.churn needs at least one window")
	}
	dated := map[string][]Window{
		"windows.churn": w.Churn, "windows.revenue": w.Revenue, "windows.movements": w.Movements,
		"windows.lapsed": {w.Lapsed}, "health.review_cadence": {c.Health.ReviewCadence},
		"health.overdue_limit": {c.Health.OverdueLimit},
	}
	for key, ws := range dated {
		seen := map[string]bool{}
		for _, x := range ws {
			if x.Duration <= 0 {
				return fmt.Errorf("%s: window missing", key)
			}
			if !x.WholeDays() {
				return fmt.Errorf("%s: %s is not a whole number of days", key, x.Label)
			}
			if seen[x.Label] {
				return fmt.Errorf("%s: %s listed twice", key, x.Label)
			}
			seen[x.Label] = true
		}
	}
	seen := map[string]bool{}
	for _, x := range w.Tickets {
		if seen[x.Label] {
			return fmt.Errorf("windows.tickets: %s listed twice", x.Label)
		}
		seen[x.Label] = true
	}
	for key, x := range map[string]Window{"windows.utilization": w.Utilization, "windows.sla": w.SLA, "windows.csat": w.CSAT} {
		if x.Duration <= 0 {
			return fmt.Errorf("%s: window missing", key)
		}
	}
	return nil
}

func (c *Config) checkHealth() error {
	h := c.Health
	if err := c.resolveProfiles(); err != nil {
		return err
	}
	if h.PositiveScore < 1 {
		return errors.New("health.positive_score must be at least 1")
	}
	if !(0 <= h.Bands.Critical && h.Bands.Critical <= h.Bands.AtRisk && h.Bands.AtRisk <= 100) {
		return errors.New("health.bands: need 0 <= critical <= at_risk <= 100")
	}
	return nil
}

func (c *Config) checkTargets() error {
	t := c.Targets
	for key, th := range map[string]Threshold{"grr": t.GRR, "nrr": t.NRR} {
		if !(0 < th.Warning && th.Warning <= th.Target) {
			return fmt.Errorf("targets.%s: need 0 < warning <= target", key)
		}
	}
	if !(0 < t.Coverage && t.Coverage <= 1) {
		return errors.New("targets.coverage must be in (0, 1]")
	}
	return nil
}

func (c *Config) checkAlerts() error {
	a := c.Alerts
	for key, w := range map[string]Window{
		"renewal_at_risk_within": a.RenewalAtRiskWithin, "renewal_notice_within": a.RenewalNoticeWithin,
		"renewal_contacts_within": a.RenewalContactsWithin, "overdue_after": a.OverdueAfter,
	} {
		if w.Duration <= 0 || !w.WholeDays() {
			return fmt.Errorf("alerts.%s must be a whole number of days", key)
		}
	}
	if a.SLAMinTickets < 0 || a.CSATMinResponses < 0 {
		return errors.New("alerts.sla_min_tickets and alerts.csat_min_responses must not be negative")
	}
	if len(a.RenewalHorizons) == 0 {
		return errors.New("alerts.renewal_horizons needs at least one horizon")
	}
	for _, w := range a.RenewalHorizons {
		if !w.WholeDays() {
			return fmt.Errorf("alerts.renewal_horizons: %s is not a whole number of days", w.Label)
		}
	}
	if a.LogoChurnWindow.Label == "" {
		c.Alerts.LogoChurnWindow = c.Windows.Churn[0]
	} else if !slices.ContainsFunc(c.Windows.Churn, func(w Window) bool { return w.Label == a.LogoChurnWindow.Label }) {
		return fmt.Errorf("alerts.logo_churn_window %q must be one of windows.churn", a.LogoChurnWindow.Label)
	}
	if a.OverUtilizationFactor <= 0 || a.OverUtilizationFor.Duration <= 0 || a.HealthDropWindow.Duration <= 0 {
		return errors.New("alerts: over_utilization_factor, over_utilization_for and health_drop_window must be positive")
	}
	if a.StaleAfter <= 0 {
		return errors.New("alerts.stale_after must be positive")
	}
	return nil
}

func (c *Config) checkQueries() error {
	if err := c.checkParams(); err != nil {
		return err
	}
	c.stmts = map[string]Statement{}
	for name := range c.Queries {
		if _, ok := fact.Get(name); !ok {
			return fmt.Errorf("queries.%s: unknown query (known: %s)", name, factNames())
		}
	}
	for _, f := range fact.All {
		q := c.Queries[f.Name]
		if q == nil {
			q = &Query{}
		}
		if q.Disabled {
			if f.Name == model.QueryClients {
				return errors.New("queries.clients cannot be disabled: every metric is per client")
			}
			continue
		}
		if q.SQL != "" && q.File != "" {
			return fmt.Errorf("queries.%s: set sql or file, not both", f.Name)
		}
		text := q.SQL
		if q.File != "" {
			p := q.File
			if !filepath.IsAbs(p) {
				p = filepath.Join(c.dir, p)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return fmt.Errorf("queries.%s.file: %w", f.Name, err)
			}
			text = string(b)
		}
		if text == "" {
			text = f.DefaultSQL
		}
		st, err := parseStatement(text, c.MappingParams)
		if err != nil {
			return fmt.Errorf("queries.%s: %w", f.Name, err)
		}
		if slices.Contains(st.Params, ParamWindowStart) && !f.Windowed() {
			return fmt.Errorf("queries.%s: :%s is only available to windowed queries (tickets, surveys)", f.Name, ParamWindowStart)
		}
		c.stmts[f.Name] = st
	}
	return nil
}

func factNames() string { return strings.Join(factNameList(), ", ") }

func factNameList() []string {
	names := make([]string, len(fact.All))
	for i, f := range fact.All {
		names[i] = f.Name
	}
	return names
}

// Location is the configured time zone.
func (c *Config) Location() *time.Location { return c.location }

// Statement returns the checked statement of an enabled query.
func (c *Config) Statement(name string) (Statement, bool) {
	st, ok := c.stmts[name]
	return st, ok
}

// Enabled reports whether a fact query runs. Billing queries run only when
// billing is configured.
func (c *Config) Enabled(name string) bool {
	f, ok := fact.Get(name)
	if !ok {
		return false
	}
	if f.Source == Billing && !c.BillingConfigured() {
		return false
	}
	_, ok = c.stmts[name]
	return ok
}

// BillingConfigured reports whether a billing source is configured: an
// explicit billing section, or the default DSN variable set and not
// empty when the config was loaded.
func (c *Config) BillingConfigured() bool { return c.billing }

// Source returns a source's settings by name.
func (c *Config) Source(name string) *Source {
	if name == Billing {
		return c.Sources.Billing
	}
	return c.Sources.PSA
}

// TicketWindows returns the distinct windows the tickets query runs for.
func (c *Config) TicketWindows() []model.Window {
	f, _ := fact.Get(model.QueryTickets)
	return f.Windows(c.params)
}

// Params are the values the formulas take, resolved from the config.
func (c *Config) Params() *model.Params { return c.params }

func (c *Config) buildParams() *model.Params {
	ws := func(in []Window) []model.Window {
		out := make([]model.Window, len(in))
		for i, w := range in {
			out[i] = model.Window(w)
		}
		return out
	}
	w := c.Windows
	p := &model.Params{
		Location: c.location,
		Windows: model.Windows{
			Tickets: ws(w.Tickets), Utilization: model.Window(w.Utilization), SLA: model.Window(w.SLA),
			CSAT: model.Window(w.CSAT), Churn: ws(w.Churn), Revenue: ws(w.Revenue),
			Movements: ws(w.Movements), Lapsed: model.Window(w.Lapsed),
		},
		Profiles:     c.profileList,
		Billing:      c.billing,
		OverdueLimit: model.Window(c.Health.OverdueLimit),
		CohortMonths: c.Cohorts.Months,
		ReasonsLimit: c.Churn.ReasonsLimit,
		Risk:         c.riskModel,
	}
	for _, comp := range model.Components {
		if c.ComponentConfigured(comp) {
			p.Components = append(p.Components, comp)
		}
	}
	return p
}

// HistoryDays is how far back the date-windowed metrics look: the longest
// of the churn, revenue and lapsed windows.
func (c *Config) HistoryDays() int {
	d := c.Windows.Lapsed.Days()
	for _, w := range slices.Concat(c.Windows.Churn, c.Windows.Revenue, c.Windows.Movements) {
		d = max(d, w.Days())
	}
	// The oldest cohort starts at most months+1 calendar months back.
	return max(d, (c.Cohorts.Months+1)*31)
}

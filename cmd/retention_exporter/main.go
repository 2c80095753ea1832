// Command retention_exporter serves customer retention metrics computed
// from a PSA database and an optional billing database.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kong"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/common/version"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/fact"
	"github.com/retention-exporter/retention_exporter/internal/generate"
	"github.com/retention-exporter/retention_exporter/internal/serve"
	"github.com/retention-exporter/retention_exporter/model"
)

const program = "retention_exporter"

// CLI is the command line.
type CLI struct {
	ConfigFile string           `name:"config.file" env:"RETENTION_EXPORTER_CONFIG_FILE" help:"YAML configuration file; without one the defaults and the reference schema apply." placeholder:"PATH"`
	LogLevel   string           `name:"log.level" env:"RETENTION_EXPORTER_LOG_LEVEL" default:"info" enum:"debug,info,warn,error" help:"Log level: ${enum}."`
	LogFormat  string           `name:"log.format" env:"RETENTION_EXPORTER_LOG_FORMAT" default:"logfmt" enum:"logfmt,json" help:"Log format: ${enum}."`
	Version    kong.VersionFlag `help:"Print version information and exit."`

	Serve       ServeCmd       `cmd:"" default:"withargs" help:"Serve metrics (the default command)."`
	CheckConfig CheckConfigCmd `cmd:"" name:"check-config" help:"Check a configuration file and exit."`
	Generate    GenerateCmd    `cmd:"" help:"Write the alert rules (and dashboards) for a configuration."`
	Backfill    BackfillCmd    `cmd:"" help:"Compute the past and write it as Prometheus TSDB blocks."`
	FitRisk     FitRiskCmd     `cmd:"" name:"fit-risk" help:"Learn churn risk from the replayed history and write a model file."`
	Report      ReportCmd      `cmd:"" help:"Write a client's business review for a period (the last quarter by default), as a page or as JSON."`
}

// dsnHelp says where the DSNs come from: never flags, so that they stay
// out of process listings and shell history.
var dsnHelp = fmt.Sprintf("Database DSNs come from the environment or files, never from flags. "+
	"By default %s holds the PSA DSN and %s the optional billing DSN, "+
	"in the go-sql-driver/mysql format: user:password@tcp(psa-db:3306)/psa. "+
	"A configuration file may name other variables (sources.psa.dsn_env, sources.billing.dsn_env) "+
	"or files holding a DSN (dsn_file).",
	config.DefaultPSADSNEnv, config.DefaultBillingDSNEnv)

// Help is the detail under the flags of --help.
func (c *CLI) Help() string { return dsnHelp }

// ServeCmd serves /metrics.
type ServeCmd struct {
	ListenAddress []string `name:"web.listen-address" env:"RETENTION_EXPORTER_WEB_LISTEN_ADDRESS" default:":9866" sep:"," help:"Addresses to listen on."`
	ConfigFile    string   `name:"web.config.file" env:"RETENTION_EXPORTER_WEB_CONFIG_FILE" help:"exporter-toolkit web configuration file for TLS and basic auth." placeholder:"PATH"`
	TelemetryPath string   `name:"web.telemetry-path" env:"RETENTION_EXPORTER_WEB_TELEMETRY_PATH" default:"/metrics" help:"Path under which to expose metrics."`
	SystemdSocket bool     `name:"web.systemd-socket" env:"RETENTION_EXPORTER_WEB_SYSTEMD_SOCKET" help:"Use systemd socket activation listeners instead of port listeners."`
}

// Help is the detail of serve --help.
func (s *ServeCmd) Help() string { return dsnHelp }

// CheckConfigCmd validates a configuration file.
type CheckConfigCmd struct {
	Connect bool `help:"Also connect to the databases, read-only, and run every enabled query once at the current time, reporting per query what it read or what is wrong."`
}

// Help is the detail of check-config --help.
func (c *CheckConfigCmd) Help() string {
	return "Without --connect, checks the file and that each DSN file exists and holds a valid DSN; " +
		"with it, also reads the databases. " + dsnHelp
}

// GenerateCmd writes the rules and dashboards of a configuration.
type GenerateCmd struct {
	OutputDir string `name:"output-dir" default:"." type:"path" help:"Directory to write alerts/ (and dashboards/) into."`
}

// Run writes the generated files.
func (g *GenerateCmd) Run(cli *CLI) error {
	cfg, err := config.Load(cli.ConfigFile)
	if err != nil {
		return err
	}
	files, err := generate.Files(cfg)
	if err != nil {
		return err
	}
	for _, f := range files {
		path := filepath.Join(g.OutputDir, f.Path)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			return err
		}
		fmt.Println("wrote", path)
	}
	return nil
}

func newParser(cli *CLI, options ...kong.Option) (*kong.Kong, error) {
	return kong.New(cli, append([]kong.Option{
		kong.Name(program),
		kong.Description("Customer retention metrics for managed service providers, from PSA and billing databases."),
		kong.Vars{"version": version.Print(program)},
		kong.UsageOnError(),
	}, options...)...)
}

func main() {
	fillVersionFromBuild()
	var cli CLI
	parser, err := newParser(&cli)
	if err != nil {
		panic(err)
	}
	ctx, err := parser.Parse(os.Args[1:])
	parser.FatalIfErrorf(err)
	logger := newLogger(cli.LogLevel, cli.LogFormat)
	err = ctx.Run(&cli, logger)
	if err != nil && (ctx.Command() == "check-config" || ctx.Command() == "generate" || ctx.Command() == "backfill" || ctx.Command() == "report") {
		parser.FatalIfErrorf(err) // a plain message for a person at a terminal
	}
	if err != nil {
		logger.Error(err.Error())
		os.Exit(1)
	}
}

func newLogger(level, format string) *slog.Logger {
	cfg := &promslog.Config{Level: promslog.NewLevel(), Format: promslog.NewFormat()}
	_ = cfg.Level.Set(level)
	_ = cfg.Format.Set(format)
	return promslog.New(cfg)
}

// Run checks the configuration file.
func (c *CheckConfigCmd) Run(cli *CLI, logger *slog.Logger) error {
	cfg, err := config.Load(cli.ConfigFile)
	if err != nil {
		return err
	}
	name := cli.ConfigFile
	if name == "" {
		name = "built-in defaults"
	}
	dsns, err := checkDSNs(cfg)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	fmt.Printf("%s: OK (%d queries enabled, billing configured: %t)\n", name, countEnabled(cfg), cfg.BillingConfigured())
	fmt.Print(dsns)
	describe(os.Stdout, cfg)
	if !c.Connect {
		return nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return checkConnect(ctx, os.Stdout, cfg, time.Now())
}

// describe lists what a refresh runs and how clients are scored, so a
// mapping author sees the effect of the config before serving it.
func describe(w io.Writer, cfg *config.Config) {
	for _, src := range []string{config.PSA, config.Billing} {
		var runs []string
		for _, q := range cfg.Plan(src, time.Now()) {
			runs = append(runs, q.Name())
		}
		if len(runs) == 0 {
			runs = []string{"nothing"}
		}
		fmt.Fprintf(w, "  %s runs: %s\n", src, strings.Join(runs, ", "))
	}
	for _, p := range cfg.Params().Profiles {
		who := "every other segment"
		if p.Name != config.DefaultProfile {
			who = "segments " + strings.Join(quoteAll(p.Segments), ", ")
		}
		var weights []string
		for _, c := range model.Components {
			weights = append(weights, fmt.Sprintf("%s %g", c.Name, p.Weights[c.Name]))
		}
		fmt.Fprintf(w, "  health profile %s (%s): utilization target %g, review cadence %s, weights %s\n",
			p.Name, who, p.UtilizationTarget, p.ReviewCadence.Label, strings.Join(weights, ", "))
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.MappingParams)) {
		p := cfg.MappingParams[name]
		v := fmt.Sprint(p.Values...)
		if p.List {
			v = fmt.Sprintf("%q", p.Values)
		}
		fmt.Fprintf(w, "  param :%s = %s\n", name, v)
	}
	for _, name := range cfg.UnusedMappingParams() {
		fmt.Fprintf(w, "  warning: params.%s is declared but no enabled query uses :%s\n", name, name)
	}
	if r := cfg.Params().Risk; r != nil {
		var terms []string
		for _, t := range r.Terms {
			terms = append(terms, fmt.Sprintf("%s %+.3f", t.Component, t.Coefficient))
		}
		fmt.Fprintf(w, "  churn risk within %s from %s, trained %s: %s; alert from %g%%\n", r.Horizon.Label, cfg.Risk.ModelFile,
			r.TrainedAt.Format(time.DateOnly), strings.Join(terms, ", "), 100*cfg.Risk.Threshold)
	}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

func countEnabled(cfg *config.Config) int {
	n := 0
	for _, f := range fact.All {
		if cfg.Enabled(f.Name) {
			n++
		}
	}
	return n
}

// Run serves metrics until SIGINT or SIGTERM; SIGHUP reloads the config.
func (s *ServeCmd) Run(cli *CLI, logger *slog.Logger) error {
	logger.Info("starting "+program, "version", version.Info(), "build_context", version.BuildContext())
	cfg, err := config.Load(cli.ConfigFile)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve.Run(ctx, cfg, cli.ConfigFile, serve.Web{
		ListenAddresses: s.ListenAddress,
		ConfigFile:      s.ConfigFile,
		TelemetryPath:   s.TelemetryPath,
		SystemdSocket:   s.SystemdSocket,
	}, logger)
}

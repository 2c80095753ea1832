// Command retention_exporter serves customer retention metrics computed
// from a PSA database and an optional billing database.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alecthomas/kong"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/exporter"
	"github.com/retention-exporter/retention_exporter/source"
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
}

// ServeCmd serves /metrics.
type ServeCmd struct {
	ListenAddress []string `name:"web.listen-address" env:"RETENTION_EXPORTER_WEB_LISTEN_ADDRESS" default:":9866" sep:"," help:"Addresses to listen on."`
	ConfigFile    string   `name:"web.config.file" env:"RETENTION_EXPORTER_WEB_CONFIG_FILE" help:"exporter-toolkit web configuration file for TLS and basic auth." placeholder:"PATH"`
	TelemetryPath string   `name:"web.telemetry-path" env:"RETENTION_EXPORTER_WEB_TELEMETRY_PATH" default:"/metrics" help:"Path under which to expose metrics."`
	SystemdSocket bool     `name:"web.systemd-socket" env:"RETENTION_EXPORTER_WEB_SYSTEMD_SOCKET" help:"Use systemd socket activation listeners instead of port listeners."`
}

// CheckConfigCmd validates a configuration file.
type CheckConfigCmd struct{}

func newParser(cli *CLI, options ...kong.Option) (*kong.Kong, error) {
	return kong.New(cli, append([]kong.Option{
		kong.Name(program),
		kong.Description("Customer retention metrics for managed service providers, from PSA and billing databases."),
		kong.Vars{"version": version.Print(program)},
		kong.UsageOnError(),
	}, options...)...)
}

func main() {
	var cli CLI
	parser, err := newParser(&cli)
	if err != nil {
		panic(err)
	}
	ctx, err := parser.Parse(os.Args[1:])
	parser.FatalIfErrorf(err)
	logger := newLogger(cli.LogLevel, cli.LogFormat)
	err = ctx.Run(&cli, logger)
	if err != nil && ctx.Command() == "check-config" {
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
	fmt.Printf("%s: OK (%d queries enabled, billing configured: %t)\n", name, countEnabled(cfg), cfg.BillingConfigured())
	return nil
}

func countEnabled(cfg *config.Config) int {
	n := 0
	for _, f := range config.Facts {
		if cfg.Enabled(f.Name) {
			n++
		}
	}
	return n
}

// Run serves metrics until SIGINT or SIGTERM.
func (s *ServeCmd) Run(cli *CLI, logger *slog.Logger) error {
	cfg, err := config.Load(cli.ConfigFile)
	if err != nil {
		return err
	}
	if s.ConfigFile != "" {
		if err := web.Validate(s.ConfigFile); err != nil {
			return fmt.Errorf("web.config.file: %w", err)
		}
	}
	logger.Info("starting "+program, "version", version.Info(), "build_context", version.BuildContext())
	psa, err := source.Open(config.PSA, cfg.Sources.PSA, cfg.Location())
	if err != nil {
		return err
	}
	defer psa.Close()
	// billing stays a nil interface when not configured.
	var billing exporter.Billing
	billingTarget := "not configured"
	if cfg.BillingConfigured() {
		db, err := source.Open(config.Billing, cfg.Sources.Billing, cfg.Location())
		if err != nil {
			return err
		}
		defer db.Close()
		billing, billingTarget = db, db.Target()
	}
	logger.Info("sources", "psa", psa.Target(), "billing", billingTarget,
		"refresh_interval", cfg.RefreshInterval, "max_staleness", cfg.MaxStaleness, "time_zone", cfg.TimeZone)

	exp := exporter.New(cfg, psa, billing, logger)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go exp.Run(ctx)

	mux, err := routes(exp, s.TelemetryPath)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() {
		errc <- web.ListenAndServe(srv, &web.FlagConfig{
			WebListenAddresses: &s.ListenAddress,
			WebSystemdSocket:   &s.SystemdSocket,
			WebConfigFile:      &s.ConfigFile,
		}, logger)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		logger.Info("shutting down")
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	}
}

func routes(exp *exporter.Exporter, metricsPath string) (*http.ServeMux, error) {
	mux := http.NewServeMux()
	mux.Handle(metricsPath, exp)
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "Healthy")
	})
	mux.HandleFunc("/-/ready", func(w http.ResponseWriter, _ *http.Request) {
		if !exp.Ready() {
			http.Error(w, "Not ready: the PSA has not been read yet", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "Ready")
	})
	if metricsPath != "/" {
		landing, err := web.NewLandingPage(web.LandingConfig{
			Name:        "Retention Exporter",
			Description: "Customer retention metrics from PSA and billing databases",
			Version:     version.Info(),
			Links: []web.LandingLinks{
				{Address: metricsPath, Text: "Metrics"},
				{Address: "/-/healthy", Text: "Health"},
				{Address: "/-/ready", Text: "Readiness"},
			},
		})
		if err != nil {
			return nil, err
		}
		mux.Handle("/", landing)
	}
	return mux, nil
}

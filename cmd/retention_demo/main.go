// Command retention_demo runs retention_exporter against a synthetic MSP
// held in an embedded, in-memory MySQL-compatible database: nothing to
// install. The exporter is the real one, reading over the MySQL protocol
// with its default queries.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alecthomas/kong"
	"github.com/prometheus/common/promslog"
	"github.com/sirupsen/logrus"

	"github.com/retention-exporter/retention_exporter/backfill"
	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/internal/embedded"
	"github.com/retention-exporter/retention_exporter/internal/serve"
	"github.com/retention-exporter/retention_exporter/internal/synth"
)

type cli struct {
	Clients       int    `default:"300" help:"Clients active today in the synthetic MSP."`
	Seed          uint64 `default:"1" help:"Random seed of the synthetic MSP."`
	ListenAddress string `name:"web.listen-address" default:":9866" help:"Address for the exporter's /metrics."`
	LogLevel      string `name:"log.level" default:"info" enum:"debug,info,warn,error" help:"Log level: ${enum}."`
	Backfill      string `type:"path" placeholder:"DIR" help:"Before serving, write the synthetic MSP's history into DIR (empty or new) as Prometheus TSDB blocks, as retention_exporter backfill does. A year at the default size takes about two minutes."`
	BackfillFrom  string `name:"backfill-from" default:"365d" help:"How far back --backfill goes, a duration before the start of today."`
}

func main() {
	var c cli
	kong.Parse(&c, kong.Name("retention_demo"),
		kong.Description("retention_exporter on a synthetic MSP in an embedded database: no MySQL needed."))
	level := promslog.NewLevel()
	_ = level.Set(c.LogLevel)
	logger := promslog.New(&promslog.Config{Level: level})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c, logger); err != nil {
		fmt.Fprintln(os.Stderr, "retention_demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c cli, logger *slog.Logger) error {
	logrus.SetOutput(io.Discard) // the embedded engine's own chatter
	db, err := embedded.Start("127.0.0.1:0", "psa", "billing")
	if err != nil {
		return err
	}
	defer db.Close()
	cfg, err := demoConfig(db)
	if err != nil {
		return err
	}
	var bf backfill.Options
	if c.Backfill != "" {
		// Bad options fail before the data is generated.
		if bf, err = backfillOptions(cfg, c.Backfill, c.BackfillFrom, time.Now()); err != nil {
			return err
		}
	}

	start := time.Now()
	sum, err := seed(ctx, db, synth.Options{Clients: c.Clients, Seed: c.Seed, Now: time.Now()})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "Generated a synthetic MSP with %d active clients (%d tickets) in %s.\n",
		c.Clients, sum.Rows["tickets"], time.Since(start).Round(100*time.Millisecond))

	if c.Backfill != "" {
		start := time.Now()
		st, err := runBackfill(ctx, cfg, bf, os.Stderr, logger)
		if err != nil {
			return err
		}
		fmt.Fprint(os.Stderr, loadHelp(c.Backfill, target(c.ListenAddress), st, time.Since(start)))
	}
	dir, err := os.MkdirTemp("", "retention_demo")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	configFile, err := learnRisk(ctx, cfg, dir, time.Now(), logger)
	if err != nil {
		return err
	}
	if cfg, err = config.Load(configFile); err != nil {
		return err
	}
	fmt.Fprint(os.Stderr, banner(c.ListenAddress, sum.Stories, reportCommand(db, configFile, sum.Stories.AtRisk.ID)))
	return serve.Run(ctx, cfg, configFile, serve.Web{ListenAddresses: []string{c.ListenAddress}, TelemetryPath: "/metrics"}, logger)
}

// demoConfig is the one configuration the demo's backfill and serving
// share: the exporter's defaults, with the PSA and billing DSNs of the
// embedded database in the environment, as in production. A reload
// reads the same defaults from the same environment.
func demoConfig(db *embedded.Server) (*config.Config, error) {
	if err := os.Setenv(config.DefaultPSADSNEnv, db.DSN("psa")); err != nil {
		return nil, err
	}
	if err := os.Setenv(config.DefaultBillingDSNEnv, db.DSN("billing")); err != nil {
		return nil, err
	}
	return config.Load("")
}

// seed creates the reference schema and loads the generated data.
func seed(ctx context.Context, db *embedded.Server, o synth.Options) (*synth.Summary, error) {
	psa, billing, err := db.CreateReference(ctx)
	if err != nil {
		return nil, err
	}
	defer psa.Close()
	defer billing.Close()
	return synth.Load(ctx, o, psa, billing)
}

// target is where a local client reaches the listen address.
func target(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = "localhost", "9866"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// reportCommand is a retention_exporter report of a client's last
// quarter, reading the demo's database while it runs.
func reportCommand(db *embedded.Server, configFile, client string) string {
	return fmt.Sprintf("%s=%q %s=%q \\\n    go run ./cmd/retention_exporter --config.file=%s report --client=%s --output=qbr.html",
		config.DefaultPSADSNEnv, db.DSN("psa"), config.DefaultBillingDSNEnv, db.DSN("billing"), configFile, client)
}

func banner(addr string, s synth.Stories, report string) string {
	url := fmt.Sprintf("http://%s/metrics", target(addr))
	return fmt.Sprintf(`
retention_exporter demo: serving %s

The first refresh runs now; then every 5 minutes. Scripted clients to look for:
  %-26s health critical: over-utilizing, CSAT falling, renewal in 45 days, no notice sent
  %-26s contract lapsed 25 days ago without a renewal
  %-26s invoice 50 days overdue
  %-26s new client, no review yet
  %-26s has announced its cancellation

Try:
  curl -s %s | grep 'retention_client_health_score'
  curl -s %s | grep 'retention_client_churn_risk_ratio'
  curl -s %s | grep '%s'

%s's business review of the last quarter, as a page to open or print
(in another terminal, from the repository, while the demo runs):
  %s

Stop with Ctrl-C.

`, url, s.AtRisk.Name, s.Lapsed.Name, s.Overdue.Name, s.New.Name, s.Notice.Name, url, url, url, s.AtRisk.ID, s.AtRisk.Name, report)
}

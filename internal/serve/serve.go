// Package serve runs the exporter: it opens the sources, starts the
// refresh loop and serves HTTP until its context ends. The exporter
// binary and the demo share it, so the demo runs the real thing.
package serve

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/exporter"
	"github.com/retention-exporter/retention_exporter/source"
)

// Web configures the HTTP side.
type Web struct {
	ListenAddresses []string
	ConfigFile      string // exporter-toolkit web config: TLS, basic auth
	TelemetryPath   string
	SystemdSocket   bool
}

// driverLog sends the MySQL driver's own messages to the exporter's log.
type driverLog struct{ logger *slog.Logger }

func (d driverLog) Print(v ...any) { d.logger.Debug("mysql driver: " + fmt.Sprint(v...)) }

// Run serves until ctx ends or the listener fails.
func Run(ctx context.Context, cfg *config.Config, w Web, logger *slog.Logger) error {
	_ = mysql.SetLogger(driverLog{logger})
	if w.ConfigFile != "" {
		if err := web.Validate(w.ConfigFile); err != nil {
			return fmt.Errorf("web.config.file: %w", err)
		}
	}
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
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go exp.Run(ctx)

	mux, err := routes(exp, w.TelemetryPath)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() {
		errc <- web.ListenAndServe(srv, &web.FlagConfig{
			WebListenAddresses: &w.ListenAddresses,
			WebSystemdSocket:   &w.SystemdSocket,
			WebConfigFile:      &w.ConfigFile,
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

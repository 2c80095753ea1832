// Package serve runs the exporter: it opens the sources, starts the
// refresh loop and serves HTTP until its context ends. The exporter
// binary and the demo share it, so the demo runs the real thing.
package serve

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
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

// Run serves cfg until ctx ends or the listener fails. cfg was read from
// configFile ("" for the defaults), which is read again on SIGHUP and
// POST /-/reload; a configuration that does not load leaves the previous
// one serving.
func Run(ctx context.Context, cfg *config.Config, configFile string, w Web, logger *slog.Logger) error {
	_ = mysql.SetLogger(driverLog{logger})
	if w.ConfigFile != "" {
		if err := web.Validate(w.ConfigFile); err != nil {
			return fmt.Errorf("web.config.file: %w", err)
		}
	}
	psa, billing, err := Open(cfg, logger)
	if err != nil {
		return err
	}
	exp := exporter.New(cfg, psa, billing, logger)
	r := &reloader{file: configFile, exp: exp, logger: logger}

	ctx, cancel := context.WithCancel(ctx)
	// Deferred calls run last first: the loop stops, then the pools close.
	defer func() { CloseSources(exp.Sources()) }()
	defer cancel()
	go exp.Run(ctx)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				_ = r.reload()
			}
		}
	}()

	mux, err := routes(exp, w.TelemetryPath, r)
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

// Open opens the sources of a configuration; billing stays a nil
// interface when it is not configured.
func Open(cfg *config.Config, logger *slog.Logger) (exporter.PSA, exporter.Billing, error) {
	psa, err := source.Open(config.PSA, cfg.Sources.PSA, cfg.Location())
	if err != nil {
		return nil, nil, err
	}
	var billing exporter.Billing
	billingTarget := "not configured"
	if cfg.BillingConfigured() {
		db, err := source.Open(config.Billing, cfg.Sources.Billing, cfg.Location())
		if err != nil {
			psa.Close()
			return nil, nil, err
		}
		billing, billingTarget = db, db.Target()
	}
	logger.Info("sources", "psa", psa.Target(), "billing", billingTarget,
		"refresh_interval", cfg.RefreshInterval, "max_staleness", cfg.MaxStaleness, "time_zone", cfg.TimeZone)
	return psa, billing, nil
}

// CloseSources closes the sources Open returned.
func CloseSources(psa exporter.PSA, billing exporter.Billing) {
	for _, s := range []any{psa, billing} {
		if c, ok := s.(io.Closer); ok && c != nil {
			_ = c.Close()
		}
	}
}

// reloader reads the configuration file again and swaps it in.
type reloader struct {
	mu     sync.Mutex
	file   string
	exp    *exporter.Exporter
	logger *slog.Logger
}

func (r *reloader) reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cfg, err := config.Load(r.file)
	if err == nil {
		var psa exporter.PSA
		var billing exporter.Billing
		if psa, billing, err = Open(cfg, r.logger); err == nil {
			CloseSources(r.exp.Reconfigure(cfg, psa, billing))
			r.logger.Info("configuration reloaded", "file", r.file)
			return nil
		}
	}
	r.exp.ReloadFailed()
	r.logger.Error("configuration reload failed; the previous configuration stays", "file", r.file, "err", err)
	return err
}

func routes(exp *exporter.Exporter, metricsPath string, r *reloader) (*http.ServeMux, error) {
	mux := http.NewServeMux()
	mux.Handle(metricsPath, exp)
	mux.HandleFunc("/-/reload", func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost && req.Method != http.MethodPut {
			w.Header().Set("Allow", "POST, PUT")
			http.Error(w, "use POST or PUT to reload the configuration", http.StatusMethodNotAllowed)
			return
		}
		if err := r.reload(); err != nil {
			http.Error(w, "reload failed; the previous configuration stays: "+err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "Reloaded")
	})
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
			// The toolkit links pprof profiles by default; the exporter
			// does not serve them.
			Profiling: "false",
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

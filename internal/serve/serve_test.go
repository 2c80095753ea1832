package serve

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/exporter"
	"github.com/retention-exporter/retention_exporter/model"
	"github.com/retention-exporter/retention_exporter/source"
)

// downPSA is a PSA that cannot be read.
type downPSA struct{}

func (downPSA) Name() string   { return config.PSA }
func (downPSA) Target() string { return "nowhere" }
func (downPSA) ReadPSA(context.Context, *config.Config, time.Time) (*model.Facts, []source.QueryReport, error) {
	return nil, nil, errors.New("down")
}

// TestLandingPageLinks: every link on the landing page leads somewhere.
func TestLandingPageLinks(t *testing.T) {
	cfg, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	exp := exporter.New(cfg, downPSA{}, nil, slog.New(slog.DiscardHandler))
	mux, err := routes(exp, "/metrics", &reloader{exp: exp, logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	links := regexp.MustCompile(`href="([^"]+)"`).FindAllStringSubmatch(string(page), -1)
	local := 0
	for _, l := range links {
		href := l[1]
		if regexp.MustCompile(`^[a-z]+://`).MatchString(href) {
			continue // the toolkit's links to other sites
		}
		local++
		if href[0] != '/' {
			href = "/" + href
		}
		resp, err := http.Get(srv.URL + href)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			t.Errorf("the landing page links %s, which answers 404", l[1])
		}
	}
	if local < 3 {
		t.Errorf("the landing page links %d local pages, want /metrics, /-/healthy and /-/ready:\n%s", local, page)
	}
}

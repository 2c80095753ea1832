package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/retention-exporter/retention_exporter/internal/mariadbtest"
	"github.com/retention-exporter/retention_exporter/internal/testenv"
)

// TestDatabaseTLS: the read-only account may only log in over TLS with a
// client certificate; the exporter's tls settings get it in.
func TestDatabaseTLS(t *testing.T) {
	testenv.Integration(t)
	dir := t.TempDir()
	certs, err := mariadbtest.WriteCerts(dir)
	if err != nil {
		t.Fatal(err)
	}
	db, err := mariadbtest.New(filepath.Join(dir, "db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	db.Args = []string{"--ssl-ca=" + certs.CA, "--ssl-cert=" + certs.ServerCert, "--ssl-key=" + certs.ServerKey}
	if err := db.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Stop)
	if err := loadReference(db); err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("", "ALTER USER 'retention_exporter'@'%' REQUIRE X509"); err != nil {
		t.Fatal(err)
	}
	tlsBlock := fmt.Sprintf("    tls:\n      ca_file: %s\n      cert_file: %s\n      key_file: %s\n", certs.CA, certs.ClientCert, certs.ClientKey)

	// Without TLS the account is refused: the source is down.
	plain := startExporter(t, db, "refresh_interval: 1h\n")
	testenv.WaitFor(t, 15*time.Second, "a refused plain connection", func() bool {
		return strings.Contains(plain.logs.String(), "refresh failed")
	})
	if v := value(t, plain.scrape(t), "retention_source_up", L{"source": "psa"}); v != 0 {
		t.Fatalf("psa up = %v without TLS, want 0", v)
	}

	p := startExporter(t, db, "refresh_interval: 1h\nsources:\n  psa:\n"+tlsBlock+"  billing:\n    dsn_env: RETENTION_BILLING_DSN\n"+tlsBlock)
	testenv.WaitFor(t, 15*time.Second, "data over TLS", func() bool {
		f := p.scrape(t)
		up, _ := f.Find("retention_source_up", L{"source": "psa"})
		billing, _ := f.Find("retention_source_up", L{"source": "billing"})
		return up == 1 && billing == 1
	})
	if v := value(t, p.scrape(t), "retention_client_overdue_invoices", L{"client_id": "c1"}); v != 1 {
		t.Errorf("overdue invoices over TLS = %v, want 1", v)
	}
}

// TestWebConfig: /metrics behind TLS and basic auth through
// --web.config.file.
func TestWebConfig(t *testing.T) {
	dir := t.TempDir()
	certs, err := mariadbtest.WriteCerts(dir)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte("noc-wall"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	webConfig := filepath.Join(dir, "web.yml")
	if err := os.WriteFile(webConfig, []byte(fmt.Sprintf(
		"tls_server_config:\n  cert_file: %s\n  key_file: %s\nbasic_auth_users:\n  prometheus: %s\n",
		certs.ServerCert, certs.ServerKey, hash)), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startExporter(t, sharedDB(t), fixtureConfig, "--web.config.file="+webConfig)

	pool := x509.NewCertPool()
	pem, _ := os.ReadFile(certs.CA)
	pool.AppendCertsFromPEM(pem)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	url := strings.Replace(p.base, "http://", "https://", 1) + "/metrics"
	get := func(user, password string) int {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if user != "" {
			req.SetBasicAuth(user, password)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get("", ""); got != http.StatusUnauthorized {
		t.Errorf("no credentials: %d, want 401", got)
	}
	if got := get("prometheus", "wrong"); got != http.StatusUnauthorized {
		t.Errorf("wrong password: %d, want 401", got)
	}
	if got := get("prometheus", "noc-wall"); got != http.StatusOK {
		t.Errorf("right password: %d, want 200", got)
	}
	// Plain HTTP to the TLS port gets an error, never metrics.
	if resp, err := http.Get(p.base + "/metrics"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP served metrics although TLS is configured")
		}
	}
}

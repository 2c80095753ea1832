package alerts

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/retention-exporter/retention_exporter/internal/testenv"
)

const alertmanagerConfig = "../deploy/alertmanager/alertmanager.yml"

func amtool(t *testing.T, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("amtool")
	if err != nil {
		t.Fatal("amtool not found: install the Debian package prometheus-alertmanager (the test command does)")
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("amtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestAlertmanagerConfig(t *testing.T) {
	testenv.Integration(t)
	amtool(t, "check-config", alertmanagerConfig)
}

// TestAlertmanagerRoutes: each kind of alert reaches the receiver meant
// for it.
func TestAlertmanagerRoutes(t *testing.T) {
	testenv.Integration(t)
	cases := []struct {
		labels   []string
		receiver string
	}{
		{[]string{"alertname=RetentionSourceDown", "category=exporter", "severity=critical", "source=psa"}, "oncall"},
		{[]string{"alertname=RetentionInvalidRows", "category=exporter", "severity=warning"}, "oncall"},
		{[]string{"alertname=RetentionLogoChurnHigh", "category=portfolio", "severity=warning"}, "leadership"},
		{[]string{"alertname=RetentionChurnModelStale", "category=model", "severity=warning"}, "leadership"},
		{[]string{"alertname=RetentionClientChurnRiskHigh", "category=client", "severity=warning", "account_manager=Bob"}, "account-managers"},
		{[]string{"alertname=RetentionClientHealthCritical", "category=client", "severity=critical", "account_manager=Bob"}, "account-managers-critical"},
		{[]string{"alertname=RetentionCSATLow", "category=client", "severity=warning", "account_manager=Bob"}, "account-managers"},
		{[]string{"alertname=RetentionRenewalAtRisk", "category=client", "severity=critical", "account_manager=Alex Morgan"}, "am-alex-morgan"},
		{[]string{"alertname=RetentionCSATLow", "category=client", "severity=warning", "account_manager=Alex Morgan"}, "am-alex-morgan"},
		{[]string{"alertname=SomethingElse"}, "oncall"},
	}
	for _, c := range cases {
		args := append([]string{"config", "routes", "test", "--config.file=" + alertmanagerConfig, "--verify.receivers=" + c.receiver}, c.labels...)
		out := amtool(t, args...)
		if !strings.Contains(out, c.receiver) {
			t.Errorf("%v routed to %q, want %s", c.labels, strings.TrimSpace(out), c.receiver)
		}
	}
}

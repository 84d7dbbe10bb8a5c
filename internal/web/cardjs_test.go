package web

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/card"
)

// TestCardJSAgreesWithGo runs card.js's pure functions under Node and compares them with
// the gateway's rules in internal/card: the browser must accept exactly what the gateway
// accepts. Skipped when node is not installed.
func TestCardJSAgreesWithGo(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	script, err := filepath.Abs("static/card.js")
	if err != nil {
		t.Fatal(err)
	}
	var prefixes []string
	for n := 1; n <= 4; n++ {
		for i := 0; i < pow10(n); i++ {
			s := strconv.Itoa(i)
			for len(s) < n {
				s = "0" + s
			}
			prefixes = append(prefixes, s)
		}
	}
	pans := []string{
		"4054695723100768", "5162774114974622", "378282246310005", "3566002020360505", "6200000000000005",
		"9490220011669217", "4242424242424241", "2223003122003222", "36227206271667", "6011111111111117",
		"123456789012", "1234567890123456789", "0", "00", "79927398713", "79927398710",
		"1000000000000008", "8000000000000003", "7000000000000005", "9400000000000007", "9410 2300 1166 9213",
		"4973010000000004", "5137010000000004", "4576310000000009", "4973010", "49730100", "4973010000000012",
	}
	now := time.Now()
	thisMonth := now.Format("01/06")
	lastMonth := now.AddDate(0, -1, -now.Day()+1).Format("01/06")
	nextYear := now.AddDate(1, 0, 0).Format("01/06")
	expiries := map[string]string{
		"": "empty", "  ": "empty", "13/30": "invalid", "00/30": "invalid", "ab/cd": "invalid", "1/2": "invalid",
		thisMonth: "ok", lastMonth: "past", nextYear: "ok", "12/99": "ok", "01/20": "past", "1230": "ok",
		"7/2031": "ok", "12 / 30": "ok",
	}
	in, _ := json.Marshal(map[string]any{"ranges": card.BrandRanges(), "table": card.BrowserTable(), "prefixes": prefixes, "pans": pans, "expiries": keys(expiries)})
	prog := `
const api = require(process.argv[1]);
let data = '';
process.stdin.on('data', c => data += c);
process.stdin.on('end', () => {
  const d = JSON.parse(data);
  const out = {brands: {}, luhn: {}, format: {}, expiry: {}, recognized: {}, coBadged: {}};
  for (const p of d.prefixes.concat(d.pans)) out.brands[p] = api.detectBrand(d.ranges, p);
  for (const p of d.pans) {
    out.luhn[p] = api.luhn(p);
    out.recognized[p] = api.recognized(d.table, p);
    out.coBadged[p] = api.coBadgedBrands(d.table.coBadged, p.replace(/\D/g, ''));
    out.format[p] = api.formatNumber(p, api.detectBrand(d.ranges, p));
  }
  for (const e of d.expiries) out.expiry[e] = api.expiryState(e, new Date());
  out.typed = {};
  for (const e of ['4', '1', '12', '123', '1230', '12/2030', '1/3', '12/']) out.typed[e] = api.formatExpiry(e);
  process.stdout.write(JSON.stringify(out));
});`
	cmd := exec.Command(node, "-e", prog, script)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	var out struct {
		Brands, Format map[string]string
		Luhn           map[string]bool
		Recognized     map[string]bool
		CoBadged       map[string][]string
		Expiry         map[string]string
		Typed          map[string]string
	}
	if err := json.Unmarshal(outb, &out); err != nil {
		t.Fatal(err)
	}
	for _, p := range append(prefixes, pans...) {
		if got, want := out.Brands[p], card.DetectBrand(p); got != want {
			t.Errorf("detectBrand(%q) = %q, Go says %q", p, got, want)
		}
	}
	for _, p := range pans {
		if got, want := out.Luhn[p], card.Luhn(p); got != want {
			t.Errorf("luhn(%q) = %v, Go says %v", p, got, want)
		}
	}
	for _, p := range pans {
		if got, want := out.Recognized[p], card.Recognized(p); got != want {
			t.Errorf("recognized(%q) = %v, Go says %v", p, got, want)
		}
	}
	for _, p := range pans {
		if got, want := out.CoBadged[p], card.CoBadged(p); !slices.Equal(got, want) && (len(got) != 0 || want != nil) {
			t.Errorf("coBadgedBrands(%q) = %v, Go says %v", p, got, want)
		}
	}
	for p, want := range map[string]string{
		"4054695723100768": "4054 6957 2310 0768", "378282246310005": "3782 822463 10005", "36227206271667": "3622 720627 1667",
		"1234567890123456789": "1234 5678 9012 3456 789", "0": "0",
	} {
		if got := out.Format[p]; got != want {
			t.Errorf("formatNumber(%q) = %q, want %q", p, got, want)
		}
	}
	for typed, want := range map[string]string{
		"4": "04/", "1": "1", "12": "12/", "123": "12/3", "1230": "12/30", "12/2030": "12/2030", "1/3": "01/3", "12/": "12/",
	} {
		if got := out.Typed[typed]; got != want {
			t.Errorf("formatExpiry(%q) = %q, want %q", typed, got, want)
		}
	}
	for e, want := range expiries {
		if got := out.Expiry[e]; got != want {
			t.Errorf("expiryState(%q) = %q, want %q", e, got, want)
		}
		// What the browser calls ok, the gateway must accept, and the other way round.
		// On the 1st before noon UTC the gateway still takes last month's cards (they are good
		// somewhere on Earth) while the browser already calls them past.
		if want == "empty" || (e == lastMonth && now.UTC().Day() == 1) {
			continue
		}
		m, y := parseExpiry(e, "", "")
		goOK := card.ValidExpiry(m, y, now) == nil
		if goOK != (want == "ok") {
			t.Errorf("expiry %q: browser %q, gateway accepts %v", e, want, goOK)
		}
	}
}

func pow10(n int) int {
	r := 1
	for ; n > 0; n-- {
		r *= 10
	}
	return r
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

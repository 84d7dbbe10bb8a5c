package cli

import (
	"strings"
	"testing"
)

// TestBenchFlags: bench's checks name the flag that is wrong, before reading anything.
func TestBenchFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--requests", "0"}, {"--concurrency", "0"}, {"--rate=-1"}, {"--sweep", "10,0"}, {"--notify-url", "ftp://x"},
		{"--merchant", "/nonexistent/merchant.json"},
	} {
		code, _, errOut := run(append([]string{"bench"}, args...)...)
		flag, _, _ := strings.Cut(args[0], "=")
		if code != 1 || !strings.Contains(errOut, flag) {
			t.Errorf("bench %v: exit %d, %q; want 1 naming %s", args, code, errOut, flag)
		}
	}
}

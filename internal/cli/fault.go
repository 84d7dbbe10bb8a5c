package cli

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// faultAfterIssuerAuthorize is the one fault point: the issuer has answered an
// authorization and the gateway has not recorded it yet.
const faultAfterIssuerAuthorize = "after-issuer-authorize"

// faultHook builds the gateway's AfterIssuerAuthorize hook from serve --fault
// ("after-issuer-authorize" or "after-issuer-authorize:N"): it holds each authorization the
// issuer has answered, unrecorded, and when the N-th (default 1) arrives it kills the process
// as SIGKILL would, so that a test strands N payments with one crash. A sandbox pay decides
// inside its write transaction (issuer.TxAuthorizer), so there the hook holds that
// transaction: on SQLite, whose writes take turns, only N=1 is reached by pays; on the
// two-phase paths (hosted pages, the sweeper) it holds no transaction. nil for no fault.
func faultHook(fault string) (func(), error) {
	if fault == "" {
		return nil, nil
	}
	point, count, hasCount := strings.Cut(fault, ":")
	n := 1
	if hasCount {
		var err error
		if n, err = strconv.Atoi(count); err != nil || n < 1 {
			return nil, fmt.Errorf("--fault %q: the count after ':' must be a positive number", fault)
		}
	}
	if point != faultAfterIssuerAuthorize {
		return nil, fmt.Errorf("--fault %q: the only fault point is %s[:N]", fault, faultAfterIssuerAuthorize)
	}
	var mu sync.Mutex
	held := 0
	return func() {
		mu.Lock()
		held++
		last := held == n
		mu.Unlock()
		if last {
			self, _ := os.FindProcess(os.Getpid())
			self.Kill()
		}
		select {} // never recorded: the process dies first
	}, nil
}

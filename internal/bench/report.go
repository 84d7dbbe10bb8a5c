package bench

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/cashierpay/cashier/ams"
)

// stats collects a run's latencies and result codes.
type stats struct {
	mu     sync.Mutex
	ops    Histogram
	failed int
	apis   map[string]*apiStats
}

type apiStats struct {
	lat   Histogram
	codes map[string]int
}

func newStats() *stats { return &stats{apis: map[string]*apiStats{}} }

func (s *stats) op(d time.Duration, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ops.Record(d)
	if !ok {
		s.failed++
	}
}

func (s *stats) api(api, code string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apis[api]
	if a == nil {
		a = &apiStats{codes: map[string]int{}}
		s.apis[api] = a
	}
	a.lat.Record(d)
	a.codes[code]++
}

// Report is what a run measured; --json prints it as is.
type Report struct {
	Scenario    string `json:"scenario"`
	Concurrency int    `json:"concurrency"`
	// OfferedRate is the open loop's operations a second; 0 for a closed loop.
	OfferedRate float64 `json:"offeredRate"`
	// Operations and Failed count operations (a checkout is one), Seconds is the timed window.
	Operations int     `json:"operations"`
	Failed     int     `json:"failed"`
	Seconds    float64 `json:"seconds"`
	Throughput float64 `json:"operationsPerSecond"`
	// PaysPerSecond counts successful pay calls only.
	PaysPerSecond float64 `json:"paysPerSecond"`
	// Latency is of whole operations, from their due time (open loop) or start.
	Latency Quantiles `json:"latency"`
	// APIs has each API's latency and its answers by result code; failures without an
	// Antom result are TRANSPORT_ERROR, RESPONSE_SIGNATURE_FAIL, RESPONSE_MALFORMED.
	APIs map[string]APIReport `json:"apis"`
	// SignatureFailures counts answers and notifications whose signature did not verify.
	SignatureFailures int            `json:"signatureFailures"`
	Notifications     *NotifyReport  `json:"notifications,omitempty"`
	Presigned         Presigned      `json:"presigned"`
	CPU               *CPUReport     `json:"cpu,omitempty"`
	Ceiling           []CeilingEntry `json:"ceiling,omitempty"`
}

// Quantiles are latencies in milliseconds.
type Quantiles struct {
	P50 float64 `json:"p50Ms"`
	P90 float64 `json:"p90Ms"`
	P99 float64 `json:"p99Ms"`
	Max float64 `json:"maxMs"`
}

func quantiles(h *Histogram) Quantiles {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return Quantiles{P50: ms(h.Quantile(0.5)), P90: ms(h.Quantile(0.9)), P99: ms(h.Quantile(0.99)), Max: ms(h.Max())}
}

// APIReport is one API's calls.
type APIReport struct {
	Calls   int            `json:"calls"`
	Latency Quantiles      `json:"latency"`
	Codes   map[string]int `json:"resultCodes"`
}

// NotifyReport is the notifications the receiver expected (one per successful pay of a
// checkout, one per successful capture) and got. Latency runs from the moment the answer
// reporting the same change arrived; a notification that came first counts as 0 and in
// BeforeAnswer.
type NotifyReport struct {
	Expected     int       `json:"expected"`
	Received     int       `json:"received"`
	Missing      int       `json:"missing"`
	BeforeAnswer int       `json:"beforeAnswer"`
	Latency      Quantiles `json:"latency"`
	// signatureFailures are notifications refused (bad signature or body), counted in
	// Report.SignatureFailures.
	signatureFailures int
}

// Presigned says how the requests were signed before the timed window.
type Presigned struct {
	Requests int     `json:"requests"`
	Seconds  float64 `json:"seconds"`
	Signer   string  `json:"signer"`
}

func (r *run) report(elapsed time.Duration) *Report {
	s := r.stats
	s.mu.Lock()
	defer s.mu.Unlock()
	rep := &Report{
		Scenario: r.cfg.Scenario, Concurrency: r.cfg.Load.Concurrency, OfferedRate: r.cfg.Load.Rate,
		Operations: int(s.ops.Count()), Failed: s.failed, Seconds: elapsed.Seconds(),
		Latency: quantiles(&s.ops), APIs: map[string]APIReport{},
	}
	rep.Throughput = float64(rep.Operations) / elapsed.Seconds()
	for name, a := range s.apis {
		rep.APIs[name] = APIReport{Calls: int(a.lat.Count()), Latency: quantiles(&a.lat), Codes: maps.Clone(a.codes)}
		rep.SignatureFailures += a.codes[codeSignature]
	}
	rep.PaysPerSecond = float64(s.apis[ams.APIPay].successes()) / elapsed.Seconds()
	if r.notes != nil {
		rep.Notifications = r.notes.report()
		rep.SignatureFailures += rep.Notifications.signatureFailures
	}
	return rep
}

func (a *apiStats) successes() int {
	if a == nil {
		return 0
	}
	return a.codes[ams.CodeSuccess]
}

// WriteText prints the report for a reader.
func (rep *Report) WriteText(w io.Writer) {
	load := fmt.Sprintf("closed loop, concurrency %d", rep.Concurrency)
	if rep.OfferedRate > 0 {
		load = fmt.Sprintf("open loop at %.0f/s (up to %d in flight)", rep.OfferedRate, rep.Concurrency)
	}
	fmt.Fprintf(w, "scenario %s, %s; %d requests signed in advance in %.1fs (%s signer)\n", rep.Scenario, load, rep.Presigned.Requests, rep.Presigned.Seconds, rep.Presigned.Signer)
	fmt.Fprintf(w, "operations   %d in %.2fs: %.1f/s, %d failed; pays %.1f/s\n", rep.Operations, rep.Seconds, rep.Throughput, rep.Failed, rep.PaysPerSecond)
	fmt.Fprintf(w, "latency      %s\n", rep.Latency)
	for _, name := range slices.Sorted(maps.Keys(rep.APIs)) {
		a := rep.APIs[name]
		fmt.Fprintf(w, "%-21s %d calls, %s\n", name, a.Calls, a.Latency)
		for _, code := range slices.Sorted(maps.Keys(a.Codes)) {
			fmt.Fprintf(w, "                      %-32s %d\n", code, a.Codes[code])
		}
	}
	if n := rep.Notifications; n != nil {
		fmt.Fprintf(w, "notifications %d of %d received (%d missing, %d before the answer); delivery %s\n", n.Received, n.Expected, n.Missing, n.BeforeAnswer, n.Latency)
	}
	if c := rep.CPU; c != nil {
		fmt.Fprintf(w, "cpu          tool %.0fµs", c.ToolMicrosPerOp)
		if c.GatewayMicrosPerOp > 0 {
			fmt.Fprintf(w, ", gateway %.0fµs, together %.0fµs", c.GatewayMicrosPerOp, c.ToolMicrosPerOp+c.GatewayMicrosPerOp)
		}
		fmt.Fprintln(w, " of processor time an operation")
		stealLine(w, "the run", c.StealPercent)
	}
	fmt.Fprintf(w, "signatures   %d failed to verify\n", rep.SignatureFailures)
	for _, c := range rep.Ceiling {
		fmt.Fprintf(w, "ceiling      %s signs %.0f RSA-2048 signatures/s on %d cores (%.0f before the run, %.0f after): pays/s are %.2f of it",
			c.Impl, c.SignsPerSecond, c.Cores, c.Before, c.After, c.Ratio)
		if c.CPUMicrosPerSign > 0 {
			fmt.Fprintf(w, "; %.0fµs of processor time a signature", c.CPUMicrosPerSign)
			if t := rep.CPU; t != nil && t.GatewayMicrosPerOp > 0 {
				fmt.Fprintf(w, ", %.2f of a pay's (tool and gateway)", c.CPUMicrosPerSign/(t.ToolMicrosPerOp+t.GatewayMicrosPerOp))
			}
		}
		fmt.Fprintln(w)
		if d := c.drift(); d > ceilingDriftMax {
			fmt.Fprintf(w, "ceiling      %s's rate moved %.0f%% between before and after the run: the machine's speed, or other work on it, changed meanwhile; measure again\n", c.Impl, 100*d)
		}
		stealLine(w, c.Impl+"'s ceiling", c.StealPercent)
	}
	for _, a := range rep.APIs {
		if a.Codes[ams.CodeRequestTrafficExceedLimit] > 0 {
			fmt.Fprintln(w, "note: REQUEST_TRAFFIC_EXCEED_LIMIT is the gateway's per-merchant rate limit: for load tests start it with serve --api-rate 0")
			break
		}
	}
}

// stealMax is the host's share of the machine's time above which a run's figures are
// flagged: on one machine, a run with 0.0 % and one with 6.2 % gave the same
// binary 1,640 and 1,145 pays/s.
const stealMax = 2.0

// stealLine prints the host's share of the machine's time during what, when it was read.
func stealLine(w io.Writer, what string, steal *float64) {
	switch {
	case steal == nil:
	case *steal > stealMax:
		fmt.Fprintf(w, "steal        the host took %.1f%% of this machine's time during %s: its figures measure the host's load too; measure again\n", *steal, what)
	default:
		fmt.Fprintf(w, "steal        %.1f%% of this machine's time during %s\n", *steal, what)
	}
}

func (q Quantiles) String() string {
	return fmt.Sprintf("p50 %.2fms  p90 %.2fms  p99 %.2fms  max %.2fms", q.P50, q.P90, q.P99, q.Max)
}

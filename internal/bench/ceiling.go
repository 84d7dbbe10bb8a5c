package bench

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cashierpay/cashier/internal/signer"
)

// CeilingEntry is this machine's RSA-2048 signing rate with one implementation of the
// gateway's signer, on all cores, and the run's pays a second as a fraction of it: each pay
// costs the gateway at least one signature, so 1.0 is the physical limit. CPUMicrosPerSign
// is the processor time one signature took (0 without /proc): on a shared machine, where the
// rates are whatever share of the cores the run got, that against a pay's processor time
// (CPUReport) is the figure that holds.
type CeilingEntry struct {
	Impl             string  `json:"impl"`
	Cores            int     `json:"cores"`
	SignsPerSecond   float64 `json:"signsPerSecond"`
	Ratio            float64 `json:"ratio"`
	CPUMicrosPerSign float64 `json:"cpuMicrosPerSign,omitempty"`
	// StealPercent is the host's share of the machine's time while this rate was measured
	// (CPUReport.StealPercent).
	StealPercent *float64 `json:"stealPercent,omitempty"`
}

// Ceiling measures, for d each, every signer implementation this build and machine have,
// with one goroutine per core signing a response-sized content.
func Ceiling(ctx context.Context, d time.Duration, paysPerSecond float64) ([]CeilingEntry, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	content := make([]byte, 600)
	rand.Read(content)
	var out []CeilingEntry
	for _, impl := range signer.Available() {
		s, _, err := signer.New(key, impl)
		if err != nil {
			return nil, err
		}
		cores := runtime.GOMAXPROCS(0)
		var n atomic.Int64
		cpu := startCPU(0)
		stop, cancel := context.WithTimeout(ctx, d)
		start := time.Now()
		var wg sync.WaitGroup
		for range cores {
			wg.Go(func() {
				for stop.Err() == nil {
					if _, err := s.Sign(content); err != nil {
						return
					}
					n.Add(1)
				}
			})
		}
		wg.Wait()
		cancel()
		rate := float64(n.Load()) / time.Since(start).Seconds()
		e := CeilingEntry{Impl: impl, Cores: cores, SignsPerSecond: rate, Ratio: paysPerSecond / rate}
		if c := cpu.per(int(n.Load())); c != nil {
			e.CPUMicrosPerSign, e.StealPercent = c.ToolMicrosPerOp, c.StealPercent
		}
		out = append(out, e)
	}
	return out, nil
}

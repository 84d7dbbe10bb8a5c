package bench

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"math"
	"runtime"
	"slices"
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
//
// The rate is measured twice, before the run and after it, and SignsPerSecond is their
// mean: a virtual machine's speed moves over minutes without the host's steal showing it
// (on this project's machines the same signer's cost moved from 1,318 to 1,952 µs between
// runs with none reported), and a ratio against one reading taken after the run would carry
// that move as the gateway's.
type CeilingEntry struct {
	Impl           string  `json:"impl"`
	Cores          int     `json:"cores"`
	SignsPerSecond float64 `json:"signsPerSecond"`
	// Before and After are the two readings SignsPerSecond is the mean of.
	Before           float64 `json:"signsPerSecondBefore,omitempty"`
	After            float64 `json:"signsPerSecondAfter,omitempty"`
	Ratio            float64 `json:"ratio"`
	CPUMicrosPerSign float64 `json:"cpuMicrosPerSign,omitempty"`
	// StealPercent is the host's share of the machine's time while this rate was measured
	// (CPUReport.StealPercent), the higher of the two readings'.
	StealPercent *float64 `json:"stealPercent,omitempty"`
}

// ceilingDriftMax is how far apart, as a share of their mean, the readings before and after
// a run may be before the report says to measure again. Quiet runs minutes apart on one
// machine gave ceilings within ±8 % of each other.
const ceilingDriftMax = 0.10

// drift is how far apart the readings before and after the run are, as a share of their
// mean.
func (e CeilingEntry) drift() float64 {
	if e.SignsPerSecond == 0 {
		return 0
	}
	return math.Abs(e.Before-e.After) / e.SignsPerSecond
}

// Bracket puts together the readings of Ceiling before a run and after it, signer by
// signer, and the run's pays a second as a fraction of their mean.
func Bracket(before, after []CeilingEntry, paysPerSecond float64) []CeilingEntry {
	var out []CeilingEntry
	for _, a := range after {
		i := slices.IndexFunc(before, func(b CeilingEntry) bool { return b.Impl == a.Impl })
		if i < 0 {
			continue
		}
		b := before[i]
		e := CeilingEntry{Impl: a.Impl, Cores: a.Cores, Before: b.SignsPerSecond, After: a.SignsPerSecond,
			SignsPerSecond: (b.SignsPerSecond + a.SignsPerSecond) / 2}
		e.Ratio = paysPerSecond / e.SignsPerSecond
		if b.CPUMicrosPerSign > 0 && a.CPUMicrosPerSign > 0 {
			e.CPUMicrosPerSign = (b.CPUMicrosPerSign + a.CPUMicrosPerSign) / 2
		}
		e.StealPercent = a.StealPercent
		if b.StealPercent != nil && (a.StealPercent == nil || *b.StealPercent > *a.StealPercent) {
			e.StealPercent = b.StealPercent
		}
		out = append(out, e)
	}
	return out
}

// ceilingKey is the key every reading of Ceiling signs with, made once: a run reads the
// ceiling twice, and a 2048-bit key takes up to a second to make.
var ceilingKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// Ceiling measures, for d each, every signer implementation this build and machine have,
// with one goroutine per core signing a response-sized content. Bracket makes a run's
// ceiling of two of its readings.
func Ceiling(ctx context.Context, d time.Duration) ([]CeilingEntry, error) {
	key, err := ceilingKey()
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
		e := CeilingEntry{Impl: impl, Cores: cores, SignsPerSecond: float64(n.Load()) / time.Since(start).Seconds()}
		if c := cpu.per(int(n.Load())); c != nil {
			e.CPUMicrosPerSign, e.StealPercent = c.ToolMicrosPerOp, c.StealPercent
		}
		out = append(out, e)
	}
	return out, nil
}

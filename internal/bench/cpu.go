package bench

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"time"
)

// processCPU is the processor time (user and system, all threads) process pid ("self" for
// this one) has used so far, from Linux's /proc. Processor time per operation is the figure
// that holds on a machine shared with other work, where throughput does not: the others
// take cores away, not cycles from each operation. Elsewhere there is no /proc and the
// report leaves the figure out.
func processCPU(pid string) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, err
	}
	return statCPU(b)
}

// statCPU reads the processor time of a /proc/PID/stat line.
func statCPU(b []byte) (time.Duration, error) {
	// The command name, in parentheses, may hold spaces: the fields count from its end.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("bench: /proc stat without a command name")
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 13 {
		return 0, errors.New("bench: /proc stat too short")
	}
	// utime and stime (fields 14 and 15 of proc(5)), in USER_HZ ticks: 100 a second on
	// every architecture Linux exposes to user space.
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * (time.Second / 100), nil
}

// machineTicks is the machine's time so far from Linux's /proc/stat: the ticks the host
// took from this virtual machine (steal) and all the ticks of every state.
type machineTicks struct{ steal, total int64 }

// readMachine reads /proc/stat; ok is false without it.
func readMachine() (machineTicks, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineTicks{}, false
	}
	t, err := statMachine(b)
	return t, err == nil
}

// statMachine reads the first line of /proc/stat, the sum over all cores: user, nice,
// system, idle, iowait, irq, softirq and steal (proc(5)); guest time is already in user.
func statMachine(b []byte) (machineTicks, error) {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := bytes.Fields(line)
	if len(f) < 9 || string(f[0]) != "cpu" {
		return machineTicks{}, errors.New("bench: /proc/stat without its cpu line")
	}
	var t machineTicks
	for i, s := range f[1:9] {
		n, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil {
			return machineTicks{}, err
		}
		t.total += n
		if i == 7 {
			t.steal = n
		}
	}
	return t, nil
}

// stealPercent is the share of the machine's time between a and b that the host took.
func stealPercent(a, b machineTicks) float64 {
	if b.total <= a.total {
		return 0
	}
	return 100 * float64(b.steal-a.steal) / float64(b.total-a.total)
}

// cpuMeter is the processor time of this process and, when gatewayPID is set, of the
// gateway's at the start of a window; -1 where it could not be read. machine is the
// machine's time then, when /proc/stat could be read.
type cpuMeter struct {
	gatewayPID    string
	tool, gateway time.Duration
	machine       machineTicks
	machineOK     bool
}

func startCPU(gatewayPID int) *cpuMeter {
	m := &cpuMeter{tool: readCPU("self"), gateway: -1}
	m.machine, m.machineOK = readMachine()
	if gatewayPID > 0 {
		m.gatewayPID = strconv.Itoa(gatewayPID)
		m.gateway = readCPU(m.gatewayPID)
	}
	return m
}

func readCPU(pid string) time.Duration {
	d, err := processCPU(pid)
	if err != nil {
		return -1
	}
	return d
}

// CPUReport is processor time per operation over the timed window, in microseconds: the
// tool's own (sending, verifying and decoding answers) and, with Config.GatewayPID, the
// gateway's; 0 where it could not be read (no /proc, or a pid not readable).
//
// StealPercent is the share of the machine's time over the window that the host of this
// virtual machine took for others (Linux's steal time; nil without /proc/stat). Above a
// few percent the run measured the host's load as much as the gateway: the same binary
// then gives other throughput and processor time per operation, and its figures do not
// compare with a run that had none.
type CPUReport struct {
	ToolMicrosPerOp    float64  `json:"toolMicrosPerOp"`
	GatewayMicrosPerOp float64  `json:"gatewayMicrosPerOp,omitempty"`
	StealPercent       *float64 `json:"stealPercent,omitempty"`
}

// per returns the processor time used since the start, per operation of ops; nil when none
// could be read.
func (m *cpuMeter) per(ops int) *CPUReport {
	if ops == 0 || m.tool < 0 {
		return nil
	}
	since := func(pid string, start time.Duration) float64 {
		now := readCPU(pid)
		if start < 0 || now < 0 {
			return 0
		}
		return float64((now - start).Microseconds()) / float64(ops)
	}
	r := &CPUReport{ToolMicrosPerOp: since("self", m.tool)}
	if m.gatewayPID != "" {
		r.GatewayMicrosPerOp = since(m.gatewayPID, m.gateway)
	}
	if now, ok := readMachine(); ok && m.machineOK {
		steal := stealPercent(m.machine, now)
		r.StealPercent = &steal
	}
	return r
}

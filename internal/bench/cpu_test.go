package bench

import (
	"testing"
	"time"
)

func TestStatCPU(t *testing.T) {
	// A command name with spaces and a parenthesis, as a renamed thread can have.
	line := "4242 (cashier (x) y) S 1 4242 4242 0 -1 4194560 9171 0 0 0 1234 567 0 0 20 0 9 0 123 456 789\n"
	d, err := statCPU([]byte(line))
	if err != nil || d != 18010*time.Millisecond {
		t.Fatalf("statCPU = %v, %v; want 18.01s", d, err)
	}
	if _, err := statCPU([]byte("4242 (short) S 1 2")); err == nil {
		t.Fatal("a truncated line parsed")
	}
}

package payment

import "testing"

func TestInstalments(t *testing.T) {
	for _, c := range []struct {
		total       int64
		count       int
		first, rest int64
	}{
		{100000, 3, 33334, 33333}, // MXN 1,000.00: the first takes the cent left over
		{90000, 3, 30000, 30000},
		{1000, 12, 87, 83}, // 1000 = 87 + 11×83: the whole remainder goes first
		{2, 2, 1, 1},
		{5, 6, 5, 0}, // a zero-decimal amount smaller than the count: the issuer's plans never offer it
	} {
		first, rest := Instalments(c.total, c.count)
		if first != c.first || rest != c.rest {
			t.Errorf("Instalments(%d, %d) = %d, %d; want %d, %d", c.total, c.count, first, rest, c.first, c.rest)
		}
		if sum := first + rest*int64(c.count-1); sum != c.total {
			t.Errorf("Instalments(%d, %d) sums to %d", c.total, c.count, sum)
		}
	}
}

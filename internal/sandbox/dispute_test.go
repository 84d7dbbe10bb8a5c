package sandbox

import (
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
)

// Every dispute card is disputed DisputeDelay after capture with its reason, and judged by
// its rule; other cards and declined authorizations are never disputed.
func TestChargebacks(t *testing.T) {
	s := newIssuer(newFakeClock())
	captured := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	want := map[string][2]payment.Verdict{ // the verdict when defended, then when not
		disputeDefendable: {payment.VerdictMerchantWins, payment.VerdictBuyerWins},
		disputeLost:       {payment.VerdictBuyerWins, payment.VerdictBuyerWins},
		disputeWithdrawn:  {payment.VerdictWithdrawn, payment.VerdictWithdrawn},
	}
	disputed := 0
	for _, tc := range Catalogue() {
		res, err := s.Authorize(t.Context(), authReq(tc.CardNo))
		if err != nil {
			t.Fatal(err)
		}
		cb, ok := s.Chargeback(res.Ref, payment.Amount{Currency: "JPY", Value: 1001}, captured)
		if ok != (tc.Dispute != "" && tc.ResultCode == codeSuccess) {
			t.Errorf("%s: disputed %v, catalogue says %q", tc.CardNo, ok, tc.Dispute)
			continue
		}
		if !ok {
			continue
		}
		disputed++
		wantAmount := int64(1001)
		if tc.DisputePercent != 0 {
			wantAmount = 1001 * int64(tc.DisputePercent) / 100
		}
		if !cb.RaiseAt.Equal(captured.Add(DisputeDelay)) || cb.Amount != wantAmount || cb.ReasonCode == "" || cb.ReasonMsg == "" || cb.Source != tc.Brand || len(cb.Ref) > 64 {
			t.Errorf("%s: chargeback %+v", tc.CardNo, cb)
		}
		if got := [2]payment.Verdict{s.Judge(cb.Ref, true), s.Judge(cb.Ref, false)}; got != want[tc.Dispute] {
			t.Errorf("%s (%s): verdicts %v, want %v", tc.CardNo, tc.Dispute, got, want[tc.Dispute])
		}
	}
	if disputed != 5 {
		t.Errorf("%d dispute cards, want 5", disputed)
	}
	if v := s.Judge("simdsp_nosuchkind_00", true); v != payment.VerdictBuyerWins {
		t.Errorf("Judge of a foreign reference = %s", v)
	}
}

func TestDisputedPart(t *testing.T) {
	for _, c := range []struct {
		value   int64
		percent int
		want    int64
	}{
		{1001, 0, 1001}, {1001, 50, 500}, {1000, 50, 500}, {1, 50, 1}, {3, 50, 1}, {0, 50, 0},
	} {
		if got := disputedPart(c.value, c.percent); got != c.want {
			t.Errorf("disputedPart(%d, %d) = %d, want %d", c.value, c.percent, got, c.want)
		}
	}
}

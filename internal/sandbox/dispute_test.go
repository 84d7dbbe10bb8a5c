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
		cb, ok := s.Chargeback(res.Ref, captured)
		if ok != (tc.Dispute != "" && tc.ResultCode == codeSuccess) {
			t.Errorf("%s: disputed %v, catalogue says %q", tc.CardNo, ok, tc.Dispute)
			continue
		}
		if !ok {
			continue
		}
		disputed++
		if !cb.RaiseAt.Equal(captured.Add(DisputeDelay)) || cb.ReasonCode == "" || cb.ReasonMsg == "" || cb.Source != tc.Brand || len(cb.Ref) > 64 {
			t.Errorf("%s: chargeback %+v", tc.CardNo, cb)
		}
		if got := [2]payment.Verdict{s.Judge(cb.Ref, true), s.Judge(cb.Ref, false)}; got != want[tc.Dispute] {
			t.Errorf("%s (%s): verdicts %v, want %v", tc.CardNo, tc.Dispute, got, want[tc.Dispute])
		}
	}
	if disputed != 4 {
		t.Errorf("%d dispute cards, want 4", disputed)
	}
	if v := s.Judge("simdsp_nosuchkind_00", true); v != payment.VerdictBuyerWins {
		t.Errorf("Judge of a foreign reference = %s", v)
	}
}

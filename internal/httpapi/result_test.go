package httpapi

import (
	"testing"

	"github.com/cashierpay/cashier/ams"
)

func TestResultOf(t *testing.T) {
	want := ams.NewResult(ams.CodeDoNotHonor, "declined")
	for name, resp := range map[string]any{
		"pointer to a response": &ams.PayResponse{Result: want},
		"error body value":      ams.ErrorResponse{Result: want},
	} {
		if got := resultOf(resp); got != want {
			t.Errorf("%s: %+v, want %+v", name, got, want)
		}
	}
	if got := resultOf("not a response"); got != (ams.Result{}) {
		t.Errorf("non-struct: %+v", got)
	}
}

package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
)

// TestReports: each report method posts the days, signed, to its own path, unchanged in
// sandbox mode (the routes are not under /ams/api), and reads back the file, whose rows
// parse only when the file ends with <END>.
func TestReports(t *testing.T) {
	g := newGateway(t)
	content := "settlementBatchId,summaryType,count\nM-20261207-USD,CAPTURE,2\n\"M-20261207-USD\",TOTAL,2\n<END>\n"
	g.respond = func(api string, body []byte) (int, string) {
		b, _ := json.Marshal(ams.ReportResponse{Result: ams.SuccessResult(), FileName: api + ".csv", Content: content})
		return 200, string(b)
	}
	ctx := context.Background()
	req := &ams.ReportRequest{StartDate: "2026-12-07", EndDate: "2026-12-08"}
	for _, clientID := range []string{"MERCHANT_0001", "SANDBOX_5X00000000000000"} {
		c := newClient(t, g, clientID)
		for path, call := range map[string]func(context.Context, *ams.ReportRequest) (*ams.ReportResponse, error){
			"/v1/reports/transactions": c.TransactionReport,
			"/v1/reports/settlements":  c.SettlementReport,
			"/v1/reports/summary":      c.SettlementSummary,
		} {
			resp, err := call(ctx, req)
			if err != nil {
				t.Fatalf("%s %s: %v", clientID, path, err)
			}
			checkWire(t, g.last(t), path, clientID, req)
			if resp.Result.ResultStatus != ams.StatusSuccess || resp.FileName != path[len("/v1/reports/"):]+".csv" {
				t.Errorf("%s: %+v", path, resp)
			}
			rows, err := resp.Rows()
			want := [][]string{{"settlementBatchId", "summaryType", "count"}, {"M-20261207-USD", "CAPTURE", "2"}, {"M-20261207-USD", "TOTAL", "2"}}
			if err != nil || !slices.EqualFunc(rows, want, slices.Equal) {
				t.Errorf("%s rows %q, %v", path, rows, err)
			}
		}
	}

	// A refusal is a result, not an error, as for every typed call.
	g.respond = func(string, []byte) (int, string) {
		return 200, `{"result":{"resultCode":"PARAM_ILLEGAL","resultStatus":"F","resultMessage":"startDate must be a day as YYYY-MM-DD"}}`
	}
	c := newClient(t, g, "MERCHANT_0001")
	resp, err := c.SettlementSummary(ctx, &ams.ReportRequest{StartDate: "yesterday"})
	if err != nil || resp.Result.ResultCode != "PARAM_ILLEGAL" {
		t.Errorf("refusal: %+v, %v", resp, err)
	}
	// A response whose signature does not verify is no file at all.
	g.respond, g.signWith = nil, strangerKey
	var sigErr *client.SignatureError
	if _, err := c.TransactionReport(ctx, req); !errors.As(err, &sigErr) {
		t.Errorf("a file signed by another key: %v, want a SignatureError", err)
	}

	for _, bad := range []string{"a,b\n1,2\n", "", "a,\"b\n<END>\n", "<END>\n"} {
		if rows, err := (&ams.ReportResponse{Content: bad}).Rows(); err == nil {
			t.Errorf("%q parsed as %q", bad, rows)
		}
	}
}

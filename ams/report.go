package ams

import (
	"encoding/csv"
	"errors"
	"strings"
)

// Paths of cashier's reconciliation files, signed as the API is. Antom hands these files
// out over SFTP and its dashboard; cashier serves them to the merchant's signed request
// instead (docs/reconciliation.md).
const (
	PathReportTransactions = "/v1/reports/transactions"
	PathReportSettlements  = "/v1/reports/settlements"
	PathReportSummary      = "/v1/reports/summary"
)

// ReportRequest asks for a file of the UTC days StartDate to EndDate, both YYYY-MM-DD and
// included; EndDate defaults to StartDate.
type ReportRequest struct {
	StartDate string `json:"startDate"`
	EndDate   string `json:"endDate,omitempty"`
}

// ReportResponse is the file, whole, in the signed answer, so that the merchant verifies it
// as it verifies every answer of the gateway: Content is the CSV text, its header row first
// and <END> its last line.
type ReportResponse struct {
	Result   Result `json:"result"`
	FileName string `json:"fileName"`
	Content  string `json:"content"`
}

// Rows parses Content: the header row first, then one row a record, without the <END> line.
// A file cut short (no <END>) is an error, so that a partial file is never taken for a day
// with fewer transactions.
func (r *ReportResponse) Rows() ([][]string, error) {
	body, ok := strings.CutSuffix(r.Content, "<END>\n")
	if !ok {
		return nil, errors.New("ams: the report does not end with <END>")
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errors.New("ams: the report has no header row")
	}
	return rows, nil
}

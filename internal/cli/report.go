package cli

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"github.com/cashierpay/cashier/internal/report"
)

type reportCmd struct {
	Transactions reportTransactionsCmd `cmd:"" help:"Write the transaction details of a merchant's days: every authorization, capture, refund and cancel (docs/reconciliation.md)."`
	Settlements  reportSettlementsCmd  `cmd:"" help:"Write the settlement details of a merchant's days: the captures and refunds of the batches settled on them, T+1 (docs/reconciliation.md)."`
	Summary      reportSummaryCmd      `cmd:"" help:"Write the settlement summary of a merchant's days: each batch's count and sums by transaction type, and its total (docs/reconciliation.md)."`
}

type reportFileCmd struct {
	storeFlags   `embed:""`
	merchantFlag `embed:""`
	From         string `required:"" placeholder:"YYYY-MM-DD" help:"The first day (UTC) of the report."`
	To           string `placeholder:"YYYY-MM-DD" help:"The last day (UTC), included; default the first."`
	Out          string `default:"-" placeholder:"FILE" help:"Where to write the CSV file; - for standard output."`
}

// day reads a --from or --to date.
func day(flag, s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return t, fmt.Errorf("--%s %q: give a day as YYYY-MM-DD", flag, s)
	}
	return t, nil
}

type reportTransactionsCmd struct {
	reportFileCmd `embed:""`
}

func (c *reportTransactionsCmd) Run(e *env) error { return c.run(e, report.Transactions) }

type reportSettlementsCmd struct {
	reportFileCmd `embed:""`
}

func (c *reportSettlementsCmd) Run(e *env) error { return c.run(e, report.Settlements) }

type reportSummaryCmd struct {
	reportFileCmd `embed:""`
}

func (c *reportSummaryCmd) Run(e *env) error { return c.run(e, report.Summary) }

func (c *reportFileCmd) run(e *env, kind report.Kind) error {
	from, err := day("from", c.From)
	if err != nil {
		return err
	}
	to := from
	if c.To != "" {
		if to, err = day("to", c.To); err != nil {
			return err
		}
	}
	st, m, err := c.openMerchant(e, c.storeFlags)
	if err != nil {
		return err
	}
	defer st.Close()
	// The gateway's business time: a sandbox test clock's lead counts, so that batches
	// settle as the sandbox's time says (zero when no test clock ever moved).
	lead, err := st.ClockOffset(e.ctx)
	if err != nil {
		return err
	}
	r := report.Request{Kind: kind, Merchant: m, From: from, To: to, Now: time.Now().Add(lead)}
	if c.Out == "-" {
		return report.Write(e.ctx, st, r, e.stdout)
	}
	var buf bytes.Buffer
	if err := report.Write(e.ctx, st, r, &buf); err != nil {
		return err
	}
	return os.WriteFile(c.Out, buf.Bytes(), 0o600)
}

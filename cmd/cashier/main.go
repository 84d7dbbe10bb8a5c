// Command cashier is a self-hosted card payment gateway that speaks the Antom Checkout
// Payment API. See the README for how to run the sandbox.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/cashierpay/cashier/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

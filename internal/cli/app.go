package cli

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/antom"
	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/datadir"
	"github.com/cashierpay/cashier/internal/gateway"
	"github.com/cashierpay/cashier/internal/httpapi"
	"github.com/cashierpay/cashier/internal/issuer"
	"github.com/cashierpay/cashier/internal/limit"
	"github.com/cashierpay/cashier/internal/merchantapi"
	"github.com/cashierpay/cashier/internal/metrics"
	"github.com/cashierpay/cashier/internal/notify"
	"github.com/cashierpay/cashier/internal/report"
	"github.com/cashierpay/cashier/internal/sandbox"
	"github.com/cashierpay/cashier/internal/signer"
	"github.com/cashierpay/cashier/internal/store"
	"github.com/cashierpay/cashier/internal/store/postgres"
	"github.com/cashierpay/cashier/internal/store/sqlite"
	"github.com/cashierpay/cashier/internal/store/sqlstore"
	"github.com/cashierpay/cashier/internal/sweep"
	"github.com/cashierpay/cashier/internal/vault"
	"github.com/cashierpay/cashier/internal/web"
)

// Options say where the gateway keeps its state and how it is reached.
type Options struct {
	// DataDir holds keys, the SQLite database and sandbox-merchant.json; default ./cashier-data.
	DataDir string
	// DB is the database URL; default: the SQLite file DataDir/cashier.db.
	DB string
	// PublicURL is the gateway's URL for the links it hands out to buyers (hosted pages,
	// the SDK's session, logos). Empty (the default) means the URL of the listener each
	// merchant request arrived on: see App.HandlerAt.
	PublicURL string
	// TrustProxy believes X-Forwarded-Proto from a TLS-terminating proxy in front.
	TrustProxy bool
	// Clock defaults to the wall clock. A *clock.Test also serves /sandbox/clock, to
	// loopback clients and those in TestClockClients, moving at most TestClockMaxAdvance
	// (default sandbox.DefaultMaxAdvance) per call.
	Clock               clock.Clock
	TestClockClients    []netip.Prefix
	TestClockMaxAdvance time.Duration
	// NotifyTimeout bounds one notification delivery attempt; default 10 s.
	NotifyTimeout time.Duration
	// NotifyAllow opens private ranges to notifications (serve --notify-allow); loopback is
	// open in the sandbox and closed in production unless a range here opens it.
	NotifyAllow []netip.Prefix
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Production builds a gateway without any sandbox part: no issuer simulator, no sandbox
	// merchant, no /sandbox routes, no test clock. It needs Issuer.
	Production bool
	// Issuer is the connection to the acquirer, and ACS the 3-D Secure server; required in
	// production, and the sandbox's simulators otherwise.
	Issuer issuer.Processor
	ACS    issuer.ACS
	// DebugListener says /metrics is served on a listener of its own (serve --debug-listen),
	// not on the gateway's routes.
	DebugListener bool
	// AuthLease is how long an authorization may stay in flight before the sweeper settles
	// it with the issuer; default gateway.DefaultAuthLease, and more than twice the issuer
	// timeout.
	AuthLease time.Duration
	// Fault is the sandbox's fault injection (serve --fault, docs/operations.md): refused in
	// production.
	Fault string
	// AllowOpenKeyFiles starts even when a secret file in DataDir is readable by group or
	// others, with a warning instead of a refusal.
	AllowOpenKeyFiles bool
	// CardTesting are the buyer's pages' limits on card attempts; nil: checkout.DefaultLimits.
	CardTesting *checkout.Limits
	// APIRate bounds each merchant's API calls; nil: httpapi.DefaultAPIRate.
	APIRate *limit.Rate
	// TrustedProxies are the proxies whose X-Forwarded-For names the buyer's address.
	TrustedProxies []netip.Prefix
	// Signer names the implementation of the gateway's signatures and of its verification
	// of the merchants' (internal/signer): auto (the default: OpenSSL when it loads, else
	// Go), go or openssl.
	Signer string
}

// secrets reads the data directory's secret files as the options say.
func (o *Options) secrets() datadir.Secrets {
	return datadir.Secrets{AllowOpen: o.AllowOpenKeyFiles, Logger: o.Logger}
}

// errNoIssuer is production mode without a connection to an acquirer.
var errNoIssuer = errors.New("production mode needs a connection to an acquirer, and this build has none: " +
	"the sandbox's simulated issuer is its only issuer (run without --production)")

// App is an assembled gateway: store, keys, issuer, use cases and HTTP routes.
type App struct {
	Store   store.Store
	Metrics *metrics.Metrics
	// The use cases, by actor: the merchant's API, the buyer's pages, and the sweeper.
	API      *merchantapi.API
	Checkout *checkout.Flow
	Sweeper  *sweep.Sweeper
	Notifier *notify.Worker
	Handler  http.Handler
	// GatewayKey signs responses and notifications, which name GatewayKeyVersion;
	// GatewayPublicKeys are the published keys by version, the signing one among them.
	GatewayKey        *rsa.PrivateKey
	GatewayKeyVersion string
	GatewayPublicKeys map[string]string
	// Signer is the implementation signing with GatewayKey and verifying the merchants'
	// requests: signer.Go or signer.OpenSSL.
	Signer string
	Vault  *vault.Keyring
	// SandboxClient is the sandbox merchant; nil in production.
	SandboxClient *sandbox.Merchant

	testClock *clock.Test
	dataDir   string
	log       *slog.Logger
}

// openStore opens (creating if need be) the database the flags name.
func openStore(ctx context.Context, dataDir, dbURL string) (*sqlstore.DB, error) {
	if path, ok := sqlitePath(dataDir, dbURL); ok {
		return sqlite.Open(ctx, path)
	}
	if strings.HasPrefix(dbURL, "postgres://") || strings.HasPrefix(dbURL, "postgresql://") {
		return postgres.Open(ctx, dbURL)
	}
	return nil, fmt.Errorf("--db: unsupported database URL %q (want postgres://... or sqlite:PATH)", redactURL(dbURL))
}

// redactURL hides a password in a database URL for messages.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return u.Redacted()
	}
	return s
}

func (o *Options) defaults() {
	if o.DataDir == "" {
		o.DataDir = defaultDataDir
	}
	o.PublicURL = strings.TrimSuffix(o.PublicURL, "/")
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.CardTesting == nil {
		l := checkout.DefaultLimits()
		o.CardTesting = &l
	}
	if o.APIRate == nil {
		r := httpapi.DefaultAPIRate
		o.APIRate = &r
	}
	if o.Signer == "" {
		o.Signer = signer.Auto
	}
	// Every component logs through the edge's handler, so that every line written while
	// serving a request carries the request's id.
	o.Logger = slog.New(httpapi.LogHandler(o.Logger.Handler()))
}

// Open assembles the gateway on the data dir, creating keys (and in the sandbox, the
// sandbox merchant) on first use.
func Open(ctx context.Context, opts Options) (*App, error) {
	opts.defaults()
	testClock, _ := opts.Clock.(*clock.Test)
	switch {
	case opts.Production && opts.Issuer == nil:
		return nil, errNoIssuer
	case opts.Production && testClock != nil:
		return nil, errors.New("the test clock is a sandbox tool: production runs on the wall clock")
	case opts.Production && opts.Fault != "":
		return nil, errors.New("fault injection is a sandbox tool: production never kills itself on purpose")
	case opts.AuthLease != 0 && opts.AuthLease <= 2*gateway.DefaultIssuerTimeout:
		return nil, fmt.Errorf("the authorization lease must exceed twice the issuer timeout (%v), so that no live request is overtaken", 2*gateway.DefaultIssuerTimeout)
	}
	afterAuth, err := faultHook(opts.Fault)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return nil, err
	}
	secrets := opts.secrets()
	secrets.CheckDir(opts.DataDir)
	gk, err := loadGatewayKeys(opts.DataDir, true, secrets)
	if err != nil {
		return nil, err
	}
	key, keyVersion := gk.signing()
	sign, impl, err := signer.New(key, opts.Signer)
	if err != nil {
		return nil, fmt.Errorf("--signer: %w", err)
	}
	opts.Logger.Info("signing with "+signer.Version(impl), "signer", impl)
	kr, err := vault.LoadOrCreate(opts.DataDir, secrets)
	if err != nil {
		return nil, fmt.Errorf("vault keys: %w", err)
	}
	st, err := openStore(ctx, opts.DataDir, opts.DB)
	if err != nil {
		return nil, err
	}
	if err := st.Warm(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("database connections: %w", err)
	}
	app := &App{Store: st, GatewayKey: key, GatewayKeyVersion: keyVersion, GatewayPublicKeys: gk.public(), Signer: impl, Vault: kr, testClock: testClock, dataDir: opts.DataDir, log: opts.Logger}
	if opts.Issuer == nil {
		// The simulated issuer keeps its records in the gateway's store, so that they outlive
		// the gateway's process as a real issuer's do, and decides inside the gateway's
		// transaction: a sandbox pay is one write (issuer.TxAuthorizer).
		opts.Issuer, opts.ACS = sandbox.NewStoreIssuer(opts.Clock, st), sandbox.ACS{}
	}
	if !opts.Production {
		if app.SandboxClient, err = sandbox.EnsureMerchant(ctx, st, opts.DataDir, secrets, app.GatewayPublicKeys, keyVersion, opts.Clock.Now()); err != nil {
			st.Close()
			return nil, err
		}
	}
	if testClock != nil {
		// A restarted node, or a second one, takes up the clock where the sandbox left it.
		if err := sandbox.SyncClock(ctx, st, testClock); err != nil {
			st.Close()
			return nil, err
		}
	}
	app.Metrics = metrics.New(func(ctx context.Context) (metrics.Outbox, error) {
		b, err := st.NotificationBacklog(ctx, opts.Clock.Now().Add(-notify.RoundSpan))
		return metrics.Outbox{Pending: b.Pending, OldestDue: b.OldestDue, Undeliverable: b.Undeliverable}, err
	}, opts.Clock.Now)
	sign = app.Metrics.Signer(sign, impl)
	app.Notifier = notify.New(notify.Config{
		Store: st, Signer: sign, KeyVersion: keyVersion, Clock: opts.Clock, Timeout: opts.NotifyTimeout, Logger: opts.Logger, Observe: app.Metrics.Delivery,
		Guard: notify.Guard{Loopback: !opts.Production, Allow: opts.NotifyAllow},
	})
	core := gateway.New(gateway.Config{
		Store: st, Issuer: opts.Issuer, ACS: opts.ACS, Bodies: antom.Bodies{}, Vault: kr, Clock: opts.Clock, Logger: opts.Logger,
		PublicURL: opts.PublicURL, Notified: app.Notifier.Kick,
		AuthLease: opts.AuthLease, AfterIssuerAuthorize: afterAuth,
	})
	app.Checkout = checkout.New(core, checkout.Config{
		Limits: *opts.CardTesting, Clock: opts.Clock, Refused: app.Metrics.CardRefused, Delayed: app.Metrics.CardDelayed,
	})
	app.API, app.Sweeper = merchantapi.New(core), sweep.New(core, opts.Clock, app.Metrics.SweeperLag)
	if !opts.Production {
		// The sandbox's rate table quotes settlement in other currencies; a production
		// gateway settles each payment in its own currency (docs/reconciliation.md).
		app.API.WithRates(sandbox.Rates{Store: st})
	}
	// One cache of the configuration each API call reads (its merchant, the sandbox's
	// rules), checked against the database's revision on every call (store.ConfigCache).
	config := store.NewConfigCache(st)
	// The sandbox's error-scenario simulation reaches the API through antom's port only:
	// a production gateway passes none.
	var sim antom.Simulator
	simulations := sandbox.Simulations{Store: st, Clock: opts.Clock, Config: config}
	if !opts.Production {
		sim = simulations
	}
	api := httpapi.Config{
		APIs: antom.Endpoints(app.API, sim), Store: st, Config: config, Signer: sign, KeyVersion: keyVersion, NewVerifier: signer.Verifiers(impl), Clock: opts.Clock, Logger: opts.Logger, TrustProxy: opts.TrustProxy,
		Metrics: app.Metrics, ServeMetrics: !opts.DebugListener, APIRate: *opts.APIRate, TrustedProxies: opts.TrustedProxies,
		Pages: web.New(web.Config{Flow: app.Checkout, Logger: opts.Logger, CSRFKey: kr.MACKey(vault.CSRF)}),
		Routes: map[string]antom.Endpoint{
			"POST " + ams.PathReportTransactions: report.Route(report.Transactions, st, opts.Clock.Now),
			"POST " + ams.PathReportSettlements:  report.Route(report.Settlements, st, opts.Clock.Now),
			"POST " + ams.PathReportSummary:      report.Route(report.Summary, st, opts.Clock.Now),
		},
	}
	if !opts.Production {
		api.Sandbox = sandbox.Routes{Store: st, Clock: testClock, ClockClients: opts.TestClockClients, MaxAdvance: opts.TestClockMaxAdvance,
			Simulations: simulations, Logger: opts.Logger}
	}
	app.Handler = httpapi.New(api).Handler()
	return app, nil
}

// HandlerAt is Handler for one listener: base says at which URL a request reached it.
// Without Options.PublicURL, the links the gateway hands out in answer to a request start
// there, so a merchant calling over HTTPS hands its buyers HTTPS links.
func (a *App) HandlerAt(base func(*http.Request) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.Handler.ServeHTTP(w, r.WithContext(gateway.WithPublicURL(r.Context(), base(r))))
	})
}

// dataFile is the path of a file in the data dir.
func (a *App) dataFile(name string) string { return filepath.Join(a.dataDir, name) }

// Close releases the store.
func (a *App) Close() error { return a.Store.Close() }

// Run runs the background work, the sweeper and the notification worker, until ctx ends.
func (a *App) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a.Sweeper.Run(ctx) }()
	go func() { defer wg.Done(); a.Notifier.Run(ctx) }()
	if a.testClock != nil {
		wg.Add(1)
		go func() { defer wg.Done(); sandbox.FollowClock(ctx, a.Store, a.testClock, a.log) }()
	}
	wg.Wait()
}

// PublishURLs records in sandbox-merchant.json where this gateway listens, over HTTP and
// HTTPS ("" for a listener that is off); nothing in production.
func (a *App) PublishURLs(httpURL, httpsURL string) error {
	if a.SandboxClient == nil {
		return nil
	}
	return a.SandboxClient.PublishURLs(a.dataDir, httpURL, httpsURL)
}

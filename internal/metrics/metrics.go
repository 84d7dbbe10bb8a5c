// Package metrics is the gateway's Prometheus instrumentation: one registry, its
// collectors, and the few methods the HTTP edge, the signer, the notification worker and
// the sweeper report through. Those packages take plain functions or this type's methods,
// so none of them depends on Prometheus. A nil *Metrics records nothing.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cashierpay/cashier/ams"
)

// Metrics holds the gateway's collectors.
type Metrics struct {
	reg             *prometheus.Registry
	httpRequests    *prometheus.CounterVec
	httpDuration    *prometheus.HistogramVec
	apiRequests     *prometheus.CounterVec
	apiDuration     *prometheus.HistogramVec
	signatures      prometheus.Counter
	signerInfo      *prometheus.GaugeVec
	deliveries      *prometheus.CounterVec
	deliveryLatency prometheus.Histogram
	sweeperLag      prometheus.Gauge
	cardRefused     *prometheus.CounterVec
	cardDelay       *prometheus.HistogramVec
	apiThrottled    *prometheus.CounterVec
}

// Outbox is the state of the notification outbox.
type Outbox struct {
	Pending   int
	OldestDue time.Time // the earliest due time of a pending notification; zero when none is
	// Undeliverable counts notifications held for want of a URL that setting the merchant's
	// notify URL would send.
	Undeliverable int
}

// Backlog reads the outbox.
type Backlog func(ctx context.Context) (Outbox, error)

// New builds the collectors. backlog is read at each scrape (with a short timeout), so the
// outbox figures are the database's, whichever node wrote the rows.
func New(backlog Backlog, now func() time.Time) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cashier_http_requests_total", Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "cashier_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route pattern.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"route"}),
		apiRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cashier_api_requests_total", Help: "Antom API calls by API and result.",
		}, []string{"api", "result_status", "result_code"}),
		apiDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "cashier_api_request_duration_seconds", Help: "Time to answer an Antom API call, signing included, by API.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"api"}),
		signatures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cashier_signatures_total", Help: "RSA signatures made with the gateway's key (responses and notifications): the gateway's physical limit.",
		}),
		signerInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "cashier_signer_info", Help: "1 for the implementation that makes the gateway's signatures: openssl or go (serve --signer).",
		}, []string{"impl"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cashier_notification_attempts_total", Help: "Notification delivery attempts by outcome: acknowledged, failed (retried later), refused (the URL or its address is not allowed; retried later) or exhausted (no retry left).",
		}, []string{"outcome"}),
		deliveryLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "cashier_notification_attempt_duration_seconds", Help: "Time from sending a notification to the merchant's answer.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
		}),
		sweeperLag: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "cashier_sweeper_lag_seconds", Help: "How late the sweeper's last pass handled the most overdue payment (expiry, release, issuer retry).",
		}),
		cardRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cashier_card_testing_refused_total", Help: "Card-testing limits that said no: payment (a payment closed at its bound on card attempts), ip or card (an attempt refused after too many declines).",
		}, []string{"limit"}),
		cardDelay: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "cashier_card_testing_delay_seconds", Help: "Waits imposed before card attempts from a buyer IP or of a card with too many declines, by the limit that asked for it.",
			Buckets: prometheus.ExponentialBuckets(0.25, 2, 10),
		}, []string{"limit"}),
		apiThrottled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cashier_api_throttled_total", Help: "Antom API calls answered REQUEST_TRAFFIC_EXCEED_LIMIT, by merchant Client-Id.",
		}, []string{"client_id"}),
	}
	m.reg.MustRegister(m.httpRequests, m.httpDuration, m.apiRequests, m.apiDuration, m.signatures, m.signerInfo, m.deliveries,
		m.deliveryLatency, m.sweeperLag, m.cardRefused, m.cardDelay, m.apiThrottled, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if backlog != nil {
		m.reg.MustRegister(&backlogCollector{backlog: backlog, now: now,
			pending:       prometheus.NewDesc("cashier_outbox_pending", "Notifications waiting for delivery or a retry.", nil, nil),
			age:           prometheus.NewDesc("cashier_outbox_oldest_due_seconds", "How long the most overdue pending notification has been due (0 when none is).", nil, nil),
			undeliverable: prometheus.NewDesc("cashier_outbox_undeliverable", "Notifications of the last 24 h 22 min held without an attempt because neither the request nor the merchant gave a notify URL; setting the merchant's URL sends them.", nil, nil),
			up:            prometheus.NewDesc("cashier_outbox_scrape_ok", "1 when the outbox figures could be read from the database.", nil, nil),
		})
	}
	return m
}

// Handler serves the registry in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Request records one HTTP request by route pattern.
func (m *Metrics) Request(route string, code int, d time.Duration) {
	if m == nil {
		return
	}
	m.httpRequests.WithLabelValues(route, statusLabel(code)).Inc()
	m.httpDuration.WithLabelValues(route).Observe(d.Seconds())
}

// API records one Antom API call. api is "" for a path that names no API.
func (m *Metrics) API(api string, res ams.Result, d time.Duration) {
	if m == nil {
		return
	}
	if api == "" {
		api = "unknown"
	}
	m.apiRequests.WithLabelValues(api, res.ResultStatus, res.ResultCode).Inc()
	m.apiDuration.WithLabelValues(api).Observe(d.Seconds())
}

// Delivery records one notification attempt.
func (m *Metrics) Delivery(outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(outcome).Inc()
	m.deliveryLatency.Observe(d.Seconds())
}

// SweeperLag records the lateness of the sweeper's last pass.
func (m *Metrics) SweeperLag(d time.Duration) {
	if m == nil {
		return
	}
	m.sweeperLag.Set(max(d, 0).Seconds())
}

// CardRefused counts a card-testing limit's refusal: payment, ip or card.
func (m *Metrics) CardRefused(limit string) {
	if m == nil {
		return
	}
	m.cardRefused.WithLabelValues(limit).Inc()
}

// CardDelayed records a wait imposed before a card attempt by limit, ip or card.
func (m *Metrics) CardDelayed(limit string, d time.Duration) {
	if m == nil {
		return
	}
	m.cardDelay.WithLabelValues(limit).Observe(d.Seconds())
}

// APIThrottled counts an API call refused by the merchant's request rate. Client ids are
// only those of registered merchants, whose signature verified, so the label is bounded.
func (m *Metrics) APIThrottled(clientID string) {
	if m == nil {
		return
	}
	m.apiThrottled.WithLabelValues(clientID).Inc()
}

// Signer counts the signatures s makes, and exports impl, the implementation behind s, as
// cashier_signer_info.
func (m *Metrics) Signer(s ams.Signer, impl string) ams.Signer {
	if m == nil {
		return s
	}
	m.signerInfo.WithLabelValues(impl).Set(1)
	return countingSigner{Signer: s, n: m.signatures}
}

type countingSigner struct {
	ams.Signer
	n prometheus.Counter
}

func (c countingSigner) Sign(content []byte) ([]byte, error) {
	c.n.Inc()
	return c.Signer.Sign(content)
}

func statusLabel(code int) string {
	if code < 100 || code > 599 {
		return "invalid" // bounded cardinality whatever a handler writes
	}
	return strconv.Itoa(code)
}

// backlogCollector reads the outbox at scrape time.
type backlogCollector struct {
	backlog          Backlog
	now              func() time.Time
	pending, age, up *prometheus.Desc
	undeliverable    *prometheus.Desc
}

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.age
	ch <- c.undeliverable
	ch <- c.up
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	o, err := c.backlog(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	age := 0.0
	if !o.OldestDue.IsZero() {
		age = max(c.now().Sub(o.OldestDue), 0).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(o.Pending))
	ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, age)
	ch <- prometheus.MustNewConstMetric(c.undeliverable, prometheus.GaugeValue, float64(o.Undeliverable))
}

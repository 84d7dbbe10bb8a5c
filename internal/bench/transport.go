package bench

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Transport is the bench's http.RoundTripper: each request is written and its answer read
// on the caller's own goroutine, over a pool of persistent HTTP/1.1 connections. net/http's
// Transport gives every connection a reading and a writing goroutine, so each request wakes
// three goroutines through channels; on a two-core machine those hand-offs were a large
// part of the tool's processor time per pay, taken from the gateway it measures.
//
// It talks straight to the gateway: no proxy, no HTTP/2, no compression. A connection goes
// back to the pool only when its answer's body was read to its end and neither side asked
// to close it; any error, or a body closed before its end, closes it.
type Transport struct {
	// TLS configures https: RootCAs, and ServerName, which defaults to the URL's host.
	TLS *tls.Config
	// MaxIdle is the most idle connections kept; more are closed. Give it the concurrency.
	MaxIdle int
	// Timeout, if positive, bounds each request from its start to the end of its answer's
	// body, as http.Client.Timeout would: the client's own timeout costs a goroutine and a
	// timer per request when its RoundTripper is not net/http's, this only a conn deadline.
	Timeout time.Duration

	mu   sync.Mutex
	idle []*persistConn // most recently used last
}

// maxIdleTime is how long an idle connection is trusted to be still open: there is no
// reader to see the server close it, and a request sent on a closed one fails. Servers
// commonly keep idle connections for 5 s or more; within a run, connections wait far less.
const maxIdleTime = 2 * time.Second

// aLongTimeAgo is the deadline that unblocks a connection's reads and writes at once.
var aLongTimeAgo = time.Unix(1, 0)

type connKey struct{ scheme, host string }

type persistConn struct {
	key       connKey
	nc        net.Conn
	br        *bufio.Reader
	bw        *bufio.Writer
	idleSince time.Time
}

// RoundTrip sends req on an idle connection to its host, or a new one.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	key := connKey{req.URL.Scheme, req.URL.Host}
	if key.scheme != "http" && key.scheme != "https" {
		closeRequestBody(req)
		return nil, fmt.Errorf("bench: unsupported URL scheme %q", key.scheme)
	}
	ctx := req.Context()
	deadline, _ := ctx.Deadline()
	if t.Timeout > 0 {
		if d := time.Now().Add(t.Timeout); deadline.IsZero() || d.Before(deadline) {
			deadline = d
		}
	}
	pc := t.take(key)
	if pc == nil {
		var err error
		if pc, err = t.dial(ctx, key, req.URL, deadline); err != nil {
			closeRequestBody(req)
			return nil, err
		}
	}
	// A zero deadline also clears the previous request's.
	if err := pc.nc.SetDeadline(deadline); err != nil {
		pc.nc.Close()
		closeRequestBody(req)
		return nil, err
	}
	stop := func() bool { return true }
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { pc.nc.SetDeadline(aLongTimeAgo) })
	}
	resp, err := pc.exchange(req)
	if err != nil {
		stop()
		pc.nc.Close()
		return nil, contextError(ctx, err)
	}
	b := &body{t: t, pc: pc, rc: resp.Body, ctx: ctx, stop: stop, keep: !req.Close && !resp.Close}
	if resp.Body == http.NoBody {
		b.finish(io.EOF)
		return resp, nil
	}
	resp.Body = b
	return resp, nil
}

func (pc *persistConn) exchange(req *http.Request) (*http.Response, error) {
	// Write closes req.Body, whatever happens.
	if err := req.Write(pc.bw); err != nil {
		return nil, err
	}
	if err := pc.bw.Flush(); err != nil {
		return nil, err
	}
	return http.ReadResponse(pc.br, req)
}

func (t *Transport) dial(ctx context.Context, key connKey, u *url.URL, deadline time.Time) (*persistConn, error) {
	host, port := u.Hostname(), u.Port()
	switch {
	case port != "":
	case key.scheme == "https":
		port = "443"
	default:
		port = "80"
	}
	nc, err := (&net.Dialer{Deadline: deadline}).DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, err
	}
	if key.scheme == "https" {
		cfg := &tls.Config{}
		if t.TLS != nil {
			cfg = t.TLS.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		// The handshake happens on the first write, under the request's deadline.
		nc = tls.Client(nc, cfg)
	}
	return &persistConn{key: key, nc: nc, br: bufio.NewReader(nc), bw: bufio.NewWriter(nc)}, nil
}

// take returns the most recently used idle connection to key, closing those idle too long.
func (t *Transport) take(key connKey) *persistConn {
	var stale []*persistConn
	defer func() {
		for _, pc := range stale {
			pc.nc.Close()
		}
	}()
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := len(t.idle) - 1; i >= 0; i-- {
		pc := t.idle[i]
		if pc.key != key {
			continue
		}
		t.idle = append(t.idle[:i], t.idle[i+1:]...)
		if time.Since(pc.idleSince) > maxIdleTime {
			stale = append(stale, pc)
			continue
		}
		return pc
	}
	return nil
}

// put makes pc idle, or closes it when the pool is full.
func (t *Transport) put(pc *persistConn) {
	pc.idleSince = time.Now()
	t.mu.Lock()
	full := len(t.idle) >= t.MaxIdle
	if !full {
		t.idle = append(t.idle, pc)
	}
	t.mu.Unlock()
	if full {
		pc.nc.Close()
	}
}

// CloseIdleConnections closes the idle connections; http.Client.CloseIdleConnections calls it.
func (t *Transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, pc := range idle {
		pc.nc.Close()
	}
}

// body is an answer's body: read to its end, it gives its connection back to the pool.
type body struct {
	t    *Transport
	pc   *persistConn
	rc   io.ReadCloser // as http.ReadResponse made it
	ctx  context.Context
	stop func() bool // stops the context's deadline setting
	keep bool        // neither side asked to close the connection
	// state is reading until the body ends (eofState) or fails or is closed (closedState).
	state atomic.Int32
}

const (
	reading int32 = iota
	eofState
	closedState
)

func (b *body) Read(p []byte) (int, error) {
	switch b.state.Load() {
	case eofState:
		return 0, io.EOF
	case closedState:
		return 0, http.ErrBodyReadAfterClose
	}
	n, err := b.rc.Read(p)
	if err != nil {
		b.finish(err)
		if err != io.EOF {
			err = contextError(b.ctx, err)
		}
	}
	return n, err
}

// Close before the end closes the connection rather than read the rest.
func (b *body) Close() error {
	b.finish(http.ErrBodyReadAfterClose)
	return nil
}

// finish settles the connection once: back to the pool if the body ended with io.EOF, the
// connection may be kept, nothing is left unread, and the context did not fire; else closed.
func (b *body) finish(err error) {
	to := closedState
	if err == io.EOF {
		to = eofState
	}
	if !b.state.CompareAndSwap(reading, to) {
		return
	}
	// stop comes first: when it reports the context's function ran, the connection's
	// deadline is in the past.
	if b.stop() && to == eofState && b.keep && b.pc.br.Buffered() == 0 {
		b.t.put(b.pc)
		return
	}
	b.pc.nc.Close()
}

// contextError is the context's error when it ended the request, rather than the deadline
// error its connection got.
func contextError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%w (%w)", ctxErr, err)
	}
	return err
}

func closeRequestBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

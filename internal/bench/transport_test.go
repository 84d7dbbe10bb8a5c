package bench

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// transportServer starts handler, over TLS if asked, and returns it, a client whose
// Transport pools at most maxIdle connections, and the count of connections it accepted.
func transportServer(t *testing.T, useTLS bool, maxIdle int, handler http.HandlerFunc) (*httptest.Server, *http.Client, *atomic.Int64) {
	t.Helper()
	srv := httptest.NewUnstartedServer(handler)
	accepted := new(atomic.Int64)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			accepted.Add(1)
		}
	}
	tr := &Transport{MaxIdle: maxIdle}
	if useTLS {
		srv.StartTLS()
		pool := x509.NewCertPool()
		pool.AddCert(srv.Certificate())
		tr.TLS = &tls.Config{RootCAs: pool}
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	t.Cleanup(tr.CloseIdleConnections)
	return srv, &http.Client{Transport: tr}, accepted
}

func get(t *testing.T, hc *http.Client, url string) (string, error) {
	t.Helper()
	resp, err := hc.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// TestTransportReuses: many requests from a few goroutines at once, over HTTP and HTTPS,
// are all answered, on no more connections than the pool holds.
func TestTransportReuses(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", useTLS), func(t *testing.T) {
			const workers, each = 8, 40
			srv, hc, accepted := transportServer(t, useTLS, workers, func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				fmt.Fprintf(w, "echo %s", b)
			})
			var wg sync.WaitGroup
			for g := range workers {
				wg.Go(func() {
					for i := range each {
						body := fmt.Sprintf("%d-%d", g, i)
						resp, err := hc.Post(srv.URL, "text/plain", strings.NewReader(body))
						if err != nil {
							t.Error(err)
							return
						}
						got, err := io.ReadAll(resp.Body)
						resp.Body.Close()
						if err != nil || string(got) != "echo "+body {
							t.Errorf("answer %q, %v; want %q", got, err, "echo "+body)
							return
						}
					}
				})
			}
			wg.Wait()
			if n := accepted.Load(); n < 1 || n > workers {
				t.Errorf("%d requests took %d connections; want at most %d", workers*each, n, workers)
			}
		})
	}
}

// TestTransportConnectionClose: an answer with Connection: close is the last on its
// connection; the next request dials.
func TestTransportConnectionClose(t *testing.T) {
	srv, hc, accepted := transportServer(t, false, 4, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		io.WriteString(w, "bye")
	})
	for range 2 {
		if got, err := get(t, hc, srv.URL); err != nil || got != "bye" {
			t.Fatalf("answer %q, %v", got, err)
		}
	}
	if n := accepted.Load(); n != 2 {
		t.Errorf("two requests took %d connections; want 2", n)
	}
}

// TestTransportUnfinishedBody: a body the server cuts short is an error, and a body
// closed before its end is not read; neither connection is used again.
func TestTransportUnfinishedBody(t *testing.T) {
	srv, hc, accepted := transportServer(t, false, 4, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cut":
			conn, bw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			bw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
			bw.Flush()
			conn.Close()
		case "/long":
			w.Write(make([]byte, 1<<20))
		default:
			io.WriteString(w, "ok")
		}
	})
	if _, err := get(t, hc, srv.URL+"/cut"); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a body cut short: %v; want io.ErrUnexpectedEOF", err)
	}
	if got, err := get(t, hc, srv.URL); err != nil || got != "ok" {
		t.Fatalf("after a body cut short: %q, %v", got, err)
	}
	if n := accepted.Load(); n != 2 {
		t.Errorf("%d connections after a body cut short; want 2", n)
	}

	resp, err := hc.Get(srv.URL + "/long")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := resp.Body.Read(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := resp.Body.Read(make([]byte, 10)); !errors.Is(err, http.ErrBodyReadAfterClose) {
		t.Errorf("read after Close: %v", err)
	}
	if got, err := get(t, hc, srv.URL); err != nil || got != "ok" {
		t.Fatalf("after a body closed early: %q, %v", got, err)
	}
	// The connection of the second request was reused by the third.
	if n := accepted.Load(); n != 3 {
		t.Errorf("%d connections after a body closed early; want 3", n)
	}
}

// TestTransportCancel: a request whose context ends while the server hangs returns at
// once with the context's error, whether it waits for the answer or for the rest of its
// body, and so does one that outlives the transport's Timeout.
func TestTransportCancel(t *testing.T) {
	srv, hc, _ := transportServer(t, false, 4, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/body" {
			io.WriteString(w, "first part")
			http.NewResponseController(w).Flush()
		}
		<-r.Context().Done()
	})
	// fetch gets path and reads its body; should the transport not give up by itself, the
	// server's dropping the connection after 5s ends the test.
	fetch := func(ctx context.Context, path string) (time.Duration, error) {
		start := time.Now()
		unblock := time.AfterFunc(5*time.Second, srv.CloseClientConnections)
		defer unblock.Stop()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
		resp, err := hc.Do(req)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		return time.Since(start), err
	}
	for _, path := range []string{"/head", "/body"} {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		if d, err := fetch(ctx, path); !errors.Is(err, context.Canceled) || d > 4*time.Second {
			t.Errorf("%s: cancelled after 50ms: %v after %v", path, err, d)
		}
	}

	hc.Transport.(*Transport).Timeout = 50 * time.Millisecond
	d, err := fetch(context.Background(), "/body")
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || d > 4*time.Second {
		t.Errorf("Timeout 50ms: %v after %v", err, d)
	}
}

// TestTransportChunked: a chunked body is read whole, and its connection is used again.
func TestTransportChunked(t *testing.T) {
	srv, hc, accepted := transportServer(t, false, 4, func(w http.ResponseWriter, r *http.Request) {
		for i := range 5 {
			fmt.Fprintf(w, "part %d;", i)
			http.NewResponseController(w).Flush()
		}
	})
	const want = "part 0;part 1;part 2;part 3;part 4;"
	for range 3 {
		resp, err := hc.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(got) != want || len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
			t.Errorf("answer %q (%v), %v; want %q chunked", got, resp.TransferEncoding, err, want)
		}
	}
	if n := accepted.Load(); n != 1 {
		t.Errorf("three chunked answers took %d connections; want 1", n)
	}
}

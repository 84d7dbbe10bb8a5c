package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/cashierpay/cashier/internal/store"
)

// maxBatch bounds how many callers' transactions share one commit, so that a burst does
// not make the first of them wait for hundreds of others.
const maxBatch = 64

// errClosed answers a transaction asked for after Close.
var errClosed = errors.New("store: closed")

// group is group commit on an engine with a single writer (SQLite): one goroutine owns the
// writer connection and runs the transactions that callers asked for meanwhile as one
// durable transaction, each in a savepoint of its own, then commits once. A commit, and its
// fsync, is most of the cost of a small write transaction; sharing it is what lets
// concurrent pays go faster than one commit at a time. Each caller's fn still runs on the
// caller's goroutine (a panic or t.Fatal stays the caller's), in turn, while the writer
// goroutine waits for it; an error from fn rolls back only its savepoint; and every caller
// hears back only once the batch has committed, so nothing is acknowledged before it is
// durable, and a caller told ErrConflict finds the winning row committed.
type group struct {
	db      *DB
	members chan *member
	quit    chan struct{}
	stopped chan struct{}
	once    sync.Once
	// committed wakes the checkpointer after a commit.
	committed chan struct{}
	ckptDone  chan struct{}
}

// checkpointGap is the least time between two background checkpoints: under load each
// one copies what tens of pays wrote, instead of one checkpoint (and its fsyncs) per batch.
const checkpointGap = 50 * time.Millisecond

// member is one caller's transaction in a batch.
type member struct {
	ctx context.Context
	// turn hands the caller the batch's transaction; closed without a value when the
	// caller's fn will not run (the batch could not begin, or ctx ended while queued).
	turn chan txQueries
	// ran carries fn's result back to the writer goroutine; errPanicked when fn panicked or
	// exited its goroutine, so that its savepoint is rolled back all the same.
	ran chan error
	// done carries the result the caller returns, once the batch has committed.
	done chan error
}

var errPanicked = errors.New("sqlstore: transaction function did not return")

func newGroup(db *DB) *group {
	g := &group{db: db, members: make(chan *member), quit: make(chan struct{}), stopped: make(chan struct{}),
		committed: make(chan struct{}, 1), ckptDone: make(chan struct{})}
	go g.loop()
	if db.d.Checkpoint != "" {
		go g.checkpoints()
	} else {
		close(g.ckptDone)
	}
	return g
}

// checkpoints copies committed pages from the write-ahead log into the database file on a
// reader connection, soon after commits, so that the writer never does it. Left to the
// writer (SQLite's automatic checkpoint), a checkpoint ran inside the commit of whichever
// batch crossed the log's threshold and held up every caller queued behind it for the
// milliseconds it takes to write a thousand pages: the tail of a pay's latency. A passive
// checkpoint takes no writer lock, so the writer goes on meanwhile. An error (another
// process checkpointing, say) is left to the next round: the log only grows meanwhile, and
// the writer's automatic checkpoint is the backstop.
func (g *group) checkpoints() {
	defer close(g.ckptDone)
	for {
		select {
		case <-g.committed:
		case <-g.quit:
			return
		}
		g.db.reader.ExecContext(context.Background(), g.db.d.Checkpoint)
		select {
		case <-time.After(checkpointGap):
		case <-g.quit:
			return
		}
	}
}

// tx is store.Store.Tx under group commit.
func (g *group) tx(ctx context.Context, fn func(store.Tx) error) error {
	m := &member{ctx: ctx, turn: make(chan txQueries), ran: make(chan error, 1), done: make(chan error, 1)}
	select {
	case g.members <- m:
	case <-ctx.Done():
		return ctx.Err()
	case <-g.quit:
		return errClosed
	}
	q, ok := <-m.turn
	if !ok {
		return <-m.done
	}
	err := errPanicked
	func() {
		defer func() { m.ran <- err }() // also when fn panics or calls runtime.Goexit
		err = fn(q)
	}()
	return <-m.done
}

// close stops the writer goroutine once it has finished its batch, and the checkpointer.
func (g *group) close() {
	g.once.Do(func() { close(g.quit) })
	<-g.stopped
	<-g.ckptDone
}

func (g *group) loop() {
	defer close(g.stopped)
	batch := make([]*member, 0, maxBatch)
	for {
		select {
		case m := <-g.members:
			batch = append(batch[:0], m)
		case <-g.quit:
			return
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case m := <-g.members:
				batch = append(batch, m)
			default:
				break fill
			}
		}
		g.run(batch)
	}
}

// run executes one batch: every member in turn in the one transaction, then the commit.
func (g *group) run(batch []*member) {
	// Not any member's context: one caller going away must not cancel the others' commit
	// (database/sql rolls a transaction back when its context ends).
	ctx := context.Background()
	tx, err := g.db.writer.BeginTx(ctx, nil)
	if err != nil {
		for _, m := range batch {
			m.done <- g.db.d.MapErr(err)
			close(m.turn)
		}
		return
	}
	in := &inTx{tx: tx, p: g.db.w, ctx: ctx}
	q := txQueries{queries{r: in, w: in, d: g.db.d}}
	// One member needs no savepoint: its error rolls the whole transaction back.
	alone := len(batch) == 1
	results := make([]error, len(batch))
	committed := false
	for i, m := range batch {
		if err := m.ctx.Err(); err != nil {
			results[i] = err
			m.done <- err
			close(m.turn)
			batch[i] = nil
			continue
		}
		if !alone {
			if _, err := in.ExecContext(ctx, "SAVEPOINT member"); err != nil {
				g.abort(tx, batch, i, err)
				return
			}
		}
		m.turn <- q
		results[i] = <-m.ran
		switch {
		case alone:
		case results[i] != nil:
			if _, err := in.ExecContext(ctx, "ROLLBACK TO member"); err != nil {
				// The engine has rolled the whole transaction back (SQLite does on some
				// errors, such as a full disk): nothing of this batch stands.
				g.abort(tx, batch, i+1, err)
				return
			}
			fallthrough
		default:
			if _, err := in.ExecContext(ctx, "RELEASE member"); err != nil {
				g.abort(tx, batch, i+1, err)
				return
			}
		}
		committed = committed || results[i] == nil
	}
	var cerr error
	if committed {
		cerr = g.db.d.MapErr(tx.Commit())
		select {
		case g.committed <- struct{}{}:
		default:
		}
	} else {
		tx.Rollback()
	}
	in.prepareMissed(ctx)
	for i, m := range batch {
		if m == nil {
			continue
		}
		switch {
		case results[i] != nil:
			m.done <- results[i]
		default:
			m.done <- cerr
		}
	}
}

// abort rolls the batch's transaction back after a statement of the batch itself failed:
// the members whose fn already ran (before next) fail with err, the others without running.
func (g *group) abort(tx *sql.Tx, batch []*member, next int, err error) {
	tx.Rollback()
	err = g.db.d.MapErr(err)
	for i, m := range batch {
		if m == nil {
			continue
		}
		m.done <- err
		if i >= next {
			close(m.turn)
		}
	}
}

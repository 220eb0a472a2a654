// Command rpcserver is the goroutine-leak story behind pprofsh.
//
// An RPC-style line protocol server listens on 127.0.0.1:0. For every
// accepted connection main.(*server).handleConn runs a handshake with a
// timeout; when it succeeds it starts three goroutines for the connection
// and returns:
//
//	main.(*conn).recvLoop      reads requests            (IO wait)
//	main.(*conn).sendLoop      writes responses          (select)
//	main.(*conn).timeoutCheck  closes idle connections   (select)
//
// The handshake runs in its own goroutine, main.(*conn).handshakeWorker,
// which reports the result on a channel while the handler waits on that
// channel and on time.After(handshakeTimeout).
//
// Modes (-bug) and the snapshots they write (each as <name>.pb.gz,
// <name>.debug1.txt and <name>.debug2.txt in -o):
//
//	-bug none       well-behaved clients; not a leak
//	    leak-idle         server up, no clients               main + acceptLoop
//	    leak-busy         100 clients connected               + 3 per client
//	    leak-gone         all clients disconnected            back to idle
//	-bug handshake  done := make(chan error) (unbuffered); clients never
//	                finish the handshake, so every handshake times out and
//	                its worker blocks forever on `done <- err`
//	    handshake-before  server up, no clients
//	    handshake-during  100 connections, handshakes pending  + 2 per client
//	    handshake-after   clients gone                        + 1 per client (the leak)
//	-bug fixed      done := make(chan error, 1); same clients as above
//	    fixed-before, fixed-during, fixed-after               after == before
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"time"
)

type server struct {
	ln               net.Listener
	bug              string
	handshakeTimeout time.Duration
	idleTimeout      time.Duration

	accepted   atomic.Int64
	timeouts   atomic.Int64
	handshaked atomic.Int64
}

type conn struct {
	srv      *server
	nc       net.Conn
	r        *bufio.Reader
	out      chan string
	quit     chan struct{}
	lastSeen atomic.Int64 // unix nanoseconds
}

func (s *server) acceptLoop() {
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.accepted.Add(1)
		go s.handleConn(nc)
	}
}

func (s *server) handleConn(nc net.Conn) {
	c := &conn{
		srv:  s,
		nc:   nc,
		r:    bufio.NewReader(nc),
		out:  make(chan string, 8),
		quit: make(chan struct{}),
	}
	var done chan error
	if s.bug == "handshake" {
		done = make(chan error) // BUG: unbuffered, see handshakeWorker
	} else {
		done = make(chan error, 1)
	}
	go c.handshakeWorker(done)
	select {
	case err := <-done:
		if err != nil {
			nc.Close()
			return
		}
	case <-time.After(s.handshakeTimeout):
		s.timeouts.Add(1)
		nc.Close()
		return
	}
	s.handshaked.Add(1)
	c.lastSeen.Store(time.Now().UnixNano())
	go c.recvLoop()
	go c.sendLoop()
	go c.timeoutCheck()
}

// handshakeWorker runs the handshake and reports the result on done. When
// done is unbuffered and handleConn has already given up (timeout), nobody
// ever receives and this goroutine blocks on the send forever.
//
//go:noinline
func (c *conn) handshakeWorker(done chan<- error) {
	err := c.handshake()
	done <- err
}

// handshake expects "HELLO <name>\n" and answers "WELCOME <name>\n".
//
//go:noinline
func (c *conn) handshake() error {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return err
	}
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "HELLO ") {
		return errors.New("bad handshake")
	}
	name := strings.TrimPrefix(line, "HELLO ")
	_, err = fmt.Fprintf(c.nc, "WELCOME %s\n", name)
	return err
}

// recvLoop reads "PING <n>\n" requests and queues "PONG <n>\n" responses.
func (c *conn) recvLoop() {
	defer close(c.quit)
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			return
		}
		c.lastSeen.Store(time.Now().UnixNano())
		arg := strings.TrimPrefix(strings.TrimSpace(line), "PING ")
		select {
		case c.out <- "PONG " + arg + "\n":
		case <-c.quit:
			return
		}
	}
}

func (c *conn) sendLoop() {
	for {
		select {
		case msg := <-c.out:
			if _, err := io.WriteString(c.nc, msg); err != nil {
				c.nc.Close()
				return
			}
		case <-c.quit:
			return
		}
	}
}

func (c *conn) timeoutCheck() {
	t := time.NewTicker(c.srv.idleTimeout / 4)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if time.Since(time.Unix(0, c.lastSeen.Load())) > c.srv.idleTimeout {
				c.nc.Close()
				return
			}
		case <-c.quit:
			c.nc.Close()
			return
		}
	}
}

// ---- clients (in-process, no goroutines of their own) ----

// dialGood connects, completes the handshake and does one request.
func dialGood(addr string, i int) (net.Conn, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	r := bufio.NewReader(nc)
	fmt.Fprintf(nc, "HELLO client%d\n", i)
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "WELCOME ") {
		nc.Close()
		return nil, fmt.Errorf("handshake: %q %v", line, err)
	}
	fmt.Fprintf(nc, "PING %d\n", i)
	if line, err := r.ReadString('\n'); err != nil || line != fmt.Sprintf("PONG %d\n", i) {
		nc.Close()
		return nil, fmt.Errorf("ping: %q %v", line, err)
	}
	return nc, nil
}

// dialStalled connects and sends half a handshake line, never the rest.
func dialStalled(addr string) (net.Conn, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	if _, err := io.WriteString(nc, "HEL"); err != nil {
		nc.Close()
		return nil, err
	}
	return nc, nil
}

// ---- snapshots ----

func writeProfile(path string, debug int) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.Lookup("goroutine").WriteTo(f, debug); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

func snapshot(dir, name string) {
	writeProfile(filepath.Join(dir, name+".pb.gz"), 0)
	writeProfile(filepath.Join(dir, name+".debug1.txt"), 1)
	writeProfile(filepath.Join(dir, name+".debug2.txt"), 2)
	log.Printf("%-17s %d goroutines", name, runtime.NumGoroutine())
}

// settle waits until the goroutine count is exactly want, then gives the
// goroutines a moment to reach their blocking points.
func settle(want int, what string) {
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() != want {
		if time.Now().After(deadline) {
			log.Fatalf("%s: have %d goroutines, want %d", what, runtime.NumGoroutine(), want)
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if n := runtime.NumGoroutine(); n != want {
		log.Fatalf("%s: goroutine count moved to %d, want %d", what, n, want)
	}
}

func waitFor(cond func() bool, what string) {
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			log.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func main() {
	out := flag.String("o", ".", "output directory")
	bug := flag.String("bug", "none", "none | handshake | fixed")
	n := flag.Int("n", 100, "number of clients")
	hsTimeout := flag.Duration("handshake-timeout", 500*time.Millisecond,
		"handshake timeout (long enough for the -during snapshot to be taken before it fires)")
	flag.Parse()
	log.SetFlags(0)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	s := &server{ln: ln, bug: *bug, handshakeTimeout: *hsTimeout, idleTimeout: time.Minute}
	go s.acceptLoop()
	addr := ln.Addr().String()
	const idle = 2 // main + acceptLoop

	clients := make([]net.Conn, 0, *n)
	closeClients := func() {
		for _, c := range clients {
			c.Close()
		}
		clients = clients[:0]
	}

	// Each phase prepares the state; the snapshot is taken by the single
	// call in the loop below, so the main goroutine's stack is identical in
	// every snapshot and a -base diff shows only the server's goroutines.
	type phase struct {
		name  string
		setup func()
	}
	var phases []phase
	switch *bug {
	case "none":
		phases = []phase{
			{"leak-idle", func() { settle(idle, "leak-idle") }},
			{"leak-busy", func() {
				for i := 0; i < *n; i++ {
					c, err := dialGood(addr, i)
					if err != nil {
						log.Fatal(err)
					}
					clients = append(clients, c)
				}
				settle(idle+3**n, "leak-busy") // recvLoop, sendLoop, timeoutCheck
			}},
			{"leak-gone", func() {
				closeClients()
				settle(idle, "leak-gone")
			}},
		}

	case "handshake", "fixed":
		prefix := *bug
		phases = []phase{
			{prefix + "-before", func() { settle(idle, prefix+"-before") }},
			{prefix + "-during", func() {
				for i := 0; i < *n; i++ {
					c, err := dialStalled(addr)
					if err != nil {
						log.Fatal(err)
					}
					clients = append(clients, c)
				}
				waitFor(func() bool { return s.accepted.Load() == int64(*n) }, "accepts")
				settle(idle+2**n, prefix+"-during") // handleConn + handshakeWorker
				if s.timeouts.Load() != 0 {
					log.Fatalf("handshake timeout fired before the -during snapshot; raise -handshake-timeout")
				}
			}},
			{prefix + "-after", func() {
				if s.timeouts.Load() != 0 {
					log.Fatalf("handshake timeout fired during the -during snapshot; raise -handshake-timeout")
				}
				waitFor(func() bool { return s.timeouts.Load() == int64(*n) }, "handshake timeouts")
				closeClients()
				want := idle
				if *bug == "handshake" {
					want += *n // one handshakeWorker blocked on its send per connection
				}
				settle(want, prefix+"-after")
			}},
		}

	default:
		log.Fatalf("unknown -bug %q", *bug)
	}

	for _, ph := range phases {
		ph.setup()
		snapshot(*out, ph.name)
	}
	ln.Close()
}

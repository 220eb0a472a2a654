// Command leakserver is a real leaking server for `pprofsh -watch`: it serves
// net/http/pprof and, every -every, handles a "request" whose worker sends
// its result on an unbuffered channel after the handler has timed out.
// It prints "listening on ADDR" once ready.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"time"
)

func handle(timeout time.Duration) {
	done := make(chan error)
	go worker(done, 2*timeout)
	select {
	case <-done:
	case <-time.After(timeout):
	}
}

func worker(done chan<- error, d time.Duration) {
	time.Sleep(d)
	done <- nil // LEAK: watch
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	every := flag.Duration("every", 20*time.Millisecond, "time between leaking requests")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		for range time.Tick(*every) {
			go handle(5 * time.Millisecond)
		}
	}()
	fmt.Printf("listening on %s\n", ln.Addr())
	log.Fatal(http.Serve(ln, nil))
}

// Command schedleak is a small service with two leaks, run under
// GODEBUG=schedtrace=N[,scheddetail=1] to record a scheduler trace
// (tests/leakfixtures/schedtrace.sh): every -every it handles a request
// whose worker is left blocked on a channel send (a goroutine leak), and
// every eighth request also leaves a goroutine wired to its OS thread with
// runtime.LockOSThread (a thread leak). A steady pool of 4 workers busy with
// CPU work keeps the run queues non-empty. With -leak=false it is the
// fixed service: nothing only grows.
package main

import (
	"flag"
	"runtime"
	"time"
)

func handle(n int, leak bool) {
	if !leak {
		done := make(chan int, 1) // the fix: the worker can always send
		go func() { done <- n * n }()
		select {
		case <-done:
		case <-time.After(time.Microsecond):
		}
		return
	}
	done := make(chan int)
	go func() {
		done <- n * n // LEAK: sched
	}()
	select {
	case <-done:
	case <-time.After(time.Microsecond):
	}
	if n%8 == 0 {
		go func() {
			runtime.LockOSThread()
			select {} // LEAK: thread
		}()
	}
}

func spin(work <-chan int, out chan<- int) {
	for n := range work {
		x := 0
		for i := 0; i < n; i++ {
			x += i * i
		}
		out <- x
	}
}

func main() {
	every := flag.Duration("every", 5*time.Millisecond, "time between leaking requests")
	total := flag.Duration("for", 1500*time.Millisecond, "how long to run")
	leak := flag.Bool("leak", true, "leak (false: the fixed, healthy service)")
	flag.Parse()
	work := make(chan int)
	out := make(chan int, 64)
	for i := 0; i < 4; i++ {
		go spin(work, out)
	}
	go func() {
		for range out {
		}
	}()
	go func() {
		for {
			work <- 200000
		}
	}()
	stop := time.After(*total)
	tick := time.NewTicker(*every)
	for n := 1; ; n++ {
		select {
		case <-stop:
			return
		case <-tick.C:
			handle(n, *leak)
		}
	}
}

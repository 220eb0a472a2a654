// Command patterns reproduces the classic goroutine leaks next to healthy
// controls in one process and writes three goroutine snapshots (rounds 1-3),
// each as debug=0 (.pb.gz), debug=1 and debug=2 text.
//
// Every leak adds goroutines in every round; every control stays level or
// falls. The blocking line of each leak carries a "// LEAK: <name>" marker
// that the tests look up.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

// ---- leaks ----

// ncast starts n workers that all send their result on an unbuffered
// channel, but only the first result is received: n-1 senders leak.
func ncast(n int) int {
	ch := make(chan int)
	for i := 0; i < n; i++ {
		go func(i int) {
			ch <- i * i // LEAK: ncast
		}(i)
	}
	return <-ch
}

// consume ranges over a channel its producer never closes.
func consume(jobs <-chan int, sum *int64) {
	for j := range jobs { // LEAK: range
		*sum += int64(j)
	}
}

func rangeWithoutClose(n int) {
	jobs := make(chan int, n)
	var sum int64
	go consume(jobs, &sum)
	for i := 0; i < n; i++ {
		jobs <- i
	}
	// BUG: close(jobs) missing
}

// waitAll waits for n goroutines but only n-1 call Done.
func waitAll(n int) {
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n-1; i++ {
		go func() {
			defer wg.Done()
		}()
	}
	wg.Wait() // LEAK: waitgroup
}

type store struct {
	mu   sync.Mutex
	data map[string]int
}

var errMissing = errors.New("missing")

// get returns early on a missing key without unlocking.
func (s *store) get(key string) (int, error) {
	s.mu.Lock() // LEAK: lock
	v, ok := s.data[key]
	if !ok {
		return 0, errMissing // BUG: s.mu.Unlock() missing
	}
	s.mu.Unlock()
	return v, nil
}

// earlyReturn starts a computation, then returns before receiving its result.
func earlyReturn(valid bool) error {
	result := make(chan int)
	go func() {
		result <- 42 // LEAK: early
	}()
	if !valid {
		return errors.New("invalid request")
	}
	<-result
	return nil
}

// timeoutSend gives up waiting on the worker after a timeout.
func timeoutSend(timeout time.Duration) {
	done := make(chan error)
	go func() {
		time.Sleep(2 * timeout)
		done <- nil // LEAK: timeout
	}()
	select {
	case <-done:
	case <-time.After(timeout):
	}
}

// getNoClose fetches a URL and never closes the response body.
func getNoClose(url string) {
	resp, err := http.Get(url)
	if err != nil {
		log.Fatal(err)
	}
	_ = resp.StatusCode // BUG: resp.Body.Close() missing
}

// ---- healthy controls ----

func workerPool(n int, jobs <-chan int) {
	for i := 0; i < n; i++ {
		go func() {
			for j := range jobs {
				_ = j
			}
		}()
	}
}

func tickerLoop(quit <-chan struct{}) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-quit:
			return
		}
	}
}

func burst(n int, gate <-chan struct{}, wg *sync.WaitGroup) {
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
		}()
	}
}

func getAndClose(url string) {
	resp, err := http.Get(url)
	if err != nil {
		log.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
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
	log.Printf("%-12s %d goroutines", name, runtime.NumGoroutine())
}

func main() {
	out := flag.String("o", ".", "output directory")
	flag.Parse()
	log.SetFlags(0)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	}))
	defer srv.Close()

	jobs := make(chan int)
	workerPool(64, jobs)
	quit := make(chan struct{})
	go tickerLoop(quit)
	st := &store{data: map[string]int{"a": 1}}

	for round := 1; round <= 3; round++ {
		gate := make(chan struct{})
		var bwg sync.WaitGroup
		if round == 1 {
			burst(100, gate, &bwg)
		}
		for i := 0; i < 5; i++ {
			ncast(4)
			rangeWithoutClose(3)
			go waitAll(3)
			if round == 1 && i == 0 {
				_, _ = st.get("missing") // leaves the lock held
			}
			go func() { _, _ = st.get("a") }()
			_ = earlyReturn(false)
			timeoutSend(5 * time.Millisecond)
			getNoClose(srv.URL)
			getAndClose(srv.URL)
			jobs <- i
		}
		time.Sleep(300 * time.Millisecond)
		snapshot(*out, fmt.Sprintf("patterns-%d", round))
		close(gate)
		bwg.Wait()
	}
	close(quit)
}

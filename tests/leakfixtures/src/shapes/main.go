// Command shapes runs one scenario of a service under load and writes a series
// of goroutine snapshots (debug=0 .pb.gz, debug=1 and debug=2 text) as
// <scenario>-<k>.* for k = 1..n. Each scenario gives one site a known shape
// of counts across the snapshots; the healthy ones are the populations a leak
// report must not call leaks, the leaky ones the growth it must still find.
//
// The blocking line of each site carries a marker: "// LEAK: <name>" for a
// leak, "// HEALTHY: <name>" for a steady population. The tests look them up.
//
//	healthy  pool-late     0 64 64 64      a fixed pool started after snapshot 1
//	healthy  collectors    0 24 24 24      per-collector goroutines registered at start
//	healthy  pool-cap      0 10 32 32 32   a pool growing on demand up to its cap
//	healthy  subscribers   0 20 20 20      one forwarding goroutine per client
//	healthy  keepalive     0 8 8 8         idle keep-alive HTTP connections
//	healthy  fluctuating   12 30 18 26 15  requests in flight, waxing and waning
//	leak     bursts        0 30 30 60 60   a timeout leak that grows in bursts
//	leak     beside-pool   0 8 16 24       a leak next to a pool 0 64 64 64
//	leak     late-leak     0 0 0 20 40     growth after a flat interval
//	leak     unclosed-body 0 8 16 24       response bodies never closed
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
	"sort"
	"strings"
	"sync"
	"time"
)

// ---- snapshots ----

var outDir string

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

// snapshot lets in-flight work settle, then writes the three formats.
func snapshot(name string, k int) {
	time.Sleep(150 * time.Millisecond)
	base := filepath.Join(outDir, fmt.Sprintf("%s-%d", name, k))
	writeProfile(base+".pb.gz", 0)
	writeProfile(base+".debug1.txt", 1)
	writeProfile(base+".debug2.txt", 2)
	log.Printf("%s-%d: %d goroutines", name, k, runtime.NumGoroutine())
}

// ---- a fixed worker pool (pool-late, beside-pool) ----

type job struct {
	n    int
	done *sync.WaitGroup
}

func poolWorker(jobs <-chan job) {
	for j := range jobs { // HEALTHY: pool
		_ = j.n * j.n
		j.done.Done()
	}
}

func startPool(n int) chan<- job {
	jobs := make(chan job)
	for i := 0; i < n; i++ {
		go poolWorker(jobs)
	}
	return jobs
}

func feed(jobs chan<- job, n int) {
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		jobs <- job{i, &wg}
	}
	wg.Wait()
}

func poolLate() {
	snapshot("pool-late", 1)
	jobs := startPool(64)
	for k := 2; k <= 4; k++ {
		feed(jobs, 500)
		snapshot("pool-late", k)
	}
}

// ---- per-collector goroutines registered at start ----

type collector struct {
	name     string
	requests chan chan<- int
	tick     *time.Ticker
	value    int
}

func (c *collector) run(quit <-chan struct{}) {
	for {
		select { // HEALTHY: collector
		case reply := <-c.requests:
			c.value++
			reply <- c.value
		case <-c.tick.C:
			c.value = 0
		case <-quit:
			return
		}
	}
}

func gather(cs []*collector) int {
	sum := 0
	reply := make(chan int)
	for _, c := range cs {
		c.requests <- reply
		sum += <-reply
	}
	return sum
}

func collectors() {
	snapshot("collectors", 1)
	quit := make(chan struct{})
	var cs []*collector
	for i := 0; i < 24; i++ {
		c := &collector{
			name:     fmt.Sprintf("c%d", i),
			requests: make(chan chan<- int),
			tick:     time.NewTicker(time.Hour),
		}
		cs = append(cs, c)
		go c.run(quit)
	}
	for k := 2; k <= 4; k++ {
		for i := 0; i < 20; i++ {
			gather(cs)
		}
		snapshot("collectors", k)
	}
	close(quit)
}

// ---- a pool growing on demand up to a cap ----

type elasticPool struct {
	mu      sync.Mutex
	workers int
	max     int
	tasks   chan func()
}

func (p *elasticPool) worker(first func()) {
	first()
	for t := range p.tasks { // HEALTHY: elastic
		t()
	}
}

// submit hands t to an idle worker, starts a new one below the cap, or queues.
func (p *elasticPool) submit(t func()) {
	select {
	case p.tasks <- t:
		return
	default:
	}
	p.mu.Lock()
	if p.workers < p.max {
		p.workers++
		p.mu.Unlock()
		go p.worker(t)
		return
	}
	p.mu.Unlock()
	p.tasks <- t
}

// load submits n tasks that all hold their worker until every task has started
// (or, past the cap, until released), so that the pool grows to min(n, cap).
func (p *elasticPool) load(n int) {
	gate := make(chan struct{})
	var started, done sync.WaitGroup
	started.Add(n)
	done.Add(n)
	for i := 0; i < n; i++ {
		go p.submit(func() {
			started.Done()
			<-gate
			done.Done()
		})
	}
	// wait until min(n, cap) tasks run at once, then release them all
	for {
		p.mu.Lock()
		w := p.workers
		p.mu.Unlock()
		if w >= n || w >= p.max {
			break
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(gate)
	started.Wait()
	done.Wait()
}

func poolCap() {
	p := &elasticPool{max: 32, tasks: make(chan func())}
	snapshot("pool-cap", 1)
	for k, n := range []int{10, 50, 50, 50} {
		p.load(n)
		snapshot("pool-cap", k+2)
	}
}

// ---- one subscriber goroutine per connected client ----

type subscriber struct {
	ch  chan string
	got int
}

func (s *subscriber) forward(wg *sync.WaitGroup) {
	for msg := range s.ch { // HEALTHY: subscriber
		s.got += len(msg)
		wg.Done()
	}
}

type broker struct {
	mu   sync.Mutex
	subs []*subscriber
	wg   sync.WaitGroup
}

func (b *broker) subscribe() {
	s := &subscriber{ch: make(chan string)}
	b.mu.Lock()
	b.subs = append(b.subs, s)
	b.mu.Unlock()
	go s.forward(&b.wg)
}

func (b *broker) publish(msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.wg.Add(len(b.subs))
	for _, s := range b.subs {
		s.ch <- msg
	}
	b.wg.Wait()
}

func subscribers() {
	b := &broker{}
	snapshot("subscribers", 1)
	for i := 0; i < 20; i++ {
		b.subscribe()
	}
	for k := 2; k <= 4; k++ {
		for i := 0; i < 50; i++ {
			b.publish(fmt.Sprintf("tick %d.%d", k, i))
		}
		snapshot("subscribers", k)
	}
}

// ---- idle keep-alive HTTP connections ----

func keepalive() {
	const clients = 8
	var arrived sync.WaitGroup
	arrived.Add(clients)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hold" {
			// the first request of every client waits for the others, so the
			// transport opens exactly one connection per client
			arrived.Done()
			arrived.Wait()
		}
		fmt.Fprintln(w, "ok")
	}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	get := func(path string) {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			log.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	snapshot("keepalive", 1)
	for k := 2; k <= 4; k++ {
		var wg sync.WaitGroup
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if k == 2 {
					get("/hold")
				}
				for i := 0; i < 20; i++ {
					get("/")
				}
			}()
		}
		wg.Wait()
		snapshot("keepalive", k)
	}
}

// ---- requests in flight, waxing and waning ----

func inflight(gate <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	<-gate // HEALTHY: inflight
}

func fluctuating() {
	var prev chan struct{}
	var wg sync.WaitGroup
	for k, n := range []int{12, 30, 18, 26, 15} {
		gate := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go inflight(gate, &wg)
		}
		if prev != nil {
			close(prev) // the previous wave completes
		}
		prev = gate
		time.Sleep(50 * time.Millisecond)
		snapshot("fluctuating", k+1)
	}
	close(prev)
	wg.Wait()
}

// ---- a timeout leak that grows in bursts ----

var errTimeout = errors.New("timeout")

func callBackend(latency, timeout time.Duration) error {
	done := make(chan error)
	go func() {
		time.Sleep(latency)
		done <- nil // LEAK: bursts
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		return errTimeout
	}
}

func bursts() {
	snapshot("bursts", 1)
	for k := 2; k <= 5; k++ {
		latency := time.Millisecond
		if k == 2 || k == 4 {
			latency = 50 * time.Millisecond // the backend is slow: every call times out
		}
		var wg sync.WaitGroup
		for i := 0; i < 30; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = callBackend(latency, 10*time.Millisecond)
			}()
		}
		wg.Wait()
		time.Sleep(100 * time.Millisecond)
		snapshot("bursts", k)
	}
}

// ---- a leak next to a steady pool ----

func validate(req int) error {
	result := make(chan int)
	go func() {
		result <- req * 2 // LEAK: beside
	}()
	if req%4 == 0 {
		return errors.New("invalid request") // BUG: returns before receiving
	}
	<-result
	return nil
}

func besidePool() {
	snapshot("beside-pool", 1)
	jobs := startPool(64)
	for k := 2; k <= 4; k++ {
		feed(jobs, 200)
		for req := 0; req < 32; req++ {
			_ = validate(req)
		}
		snapshot("beside-pool", k)
	}
}

// ---- growth after a flat interval: a consumer per batch, never closed ----

func sumAll(batch <-chan int, total *int) {
	for v := range batch { // LEAK: late
		*total += v
	}
}

func processBatch(n int) int {
	batch := make(chan int, n)
	total := 0
	go sumAll(batch, &total)
	for i := 0; i < n; i++ {
		batch <- i
	}
	return n // BUG: close(batch) missing
}

func lateLeak() {
	for k := 1; k <= 5; k++ {
		if k >= 4 { // the batch endpoint is only used from the fourth interval on
			for i := 0; i < 20; i++ {
				processBatch(8)
			}
		}
		snapshot("late-leak", k)
	}
}

// ---- response bodies never closed ----

func unclosedBody() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{}}
	snapshot("unclosed-body", 1)
	for k := 2; k <= 4; k++ {
		for i := 0; i < 8; i++ {
			resp, err := client.Get(srv.URL)
			if err != nil {
				log.Fatal(err)
			}
			_ = resp.StatusCode // BUG: resp.Body.Close() missing
		}
		snapshot("unclosed-body", k)
	}
}

// ---- a minute apart: leaked goroutines age, busy workers do not ----
//
// aging (both): 0 40 40 at the leak, 0 16 16 at the pool, snapshots a minute
// apart: a one-time leak (its goroutines keep aging) next to a pool whose
// workers get work (theirs do not). (Described here, not in the table above,
// so that the lines recorded in the other scenarios' profiles stay put.)

var garbage []byte

func register(id int, ack chan<- int) {
	ack <- id // LEAK: aging
}

func aging() {
	snapshot("aging", 1)
	// a startup bug: nobody reads the acks, 40 registrations stay blocked
	ack := make(chan int)
	for i := 0; i < 40; i++ {
		go register(i, ack)
	}
	jobs := make(chan job)
	for i := 0; i < 16; i++ {
		go func() {
			for j := range jobs { // HEALTHY: busy
				_ = j.n * j.n
				j.done.Done()
			}
		}()
	}
	stop := time.After(2*time.Minute + 5*time.Second)
	next := time.After(62 * time.Second)
	k := 2
	for {
		select {
		case <-stop:
			return
		case <-next:
			snapshot("aging", k)
			k++
			next = time.After(61 * time.Second)
		default:
			feed(jobs, 64) // every worker keeps getting work
			// and the service allocates, so the GC runs often: the runtime dates a
			// wait from the GC that first sees the goroutine blocked
			garbage = make([]byte, 1<<20)
			time.Sleep(50 * time.Millisecond)
		}
	}
}

var scenarios = map[string]func(){
	"pool-late":     poolLate,
	"collectors":    collectors,
	"pool-cap":      poolCap,
	"subscribers":   subscribers,
	"keepalive":     keepalive,
	"fluctuating":   fluctuating,
	"bursts":        bursts,
	"beside-pool":   besidePool,
	"late-leak":     lateLeak,
	"unclosed-body": unclosedBody,
	"aging":         aging,
}

func main() {
	flag.StringVar(&outDir, "o", ".", "output directory")
	name := flag.String("scenario", "", "scenario to run")
	flag.Parse()
	log.SetFlags(0)
	run, ok := scenarios[*name]
	if !ok {
		var names []string
		for n := range scenarios {
			names = append(names, n)
		}
		sort.Strings(names)
		log.Fatalf("-scenario: one of %s", strings.Join(names, ", "))
	}
	run()
}

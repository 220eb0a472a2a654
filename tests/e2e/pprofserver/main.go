// Command pprofserver is a net/http/pprof server for pprofsh's end-to-end tests.
//
// It listens on 127.0.0.1:0 (plain HTTP, or HTTPS with -cert/-key) and prints
// "PORT <n>" on stdout once it accepts connections. A background goroutine
// starts one more parked goroutine every -grow interval, so goroutine
// profiles taken some time apart differ (a -seconds delta is non-empty).
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"time"
)

var sink [][]byte

//go:noinline
func parkedWorker(ch chan struct{}) {
	<-ch
}

//go:noinline
func allocate(n int) {
	sink = append(sink, make([]byte, n))
	if len(sink) > 256 {
		sink = sink[1:]
	}
}

func main() {
	cert := flag.String("cert", "", "TLS certificate file (serve HTTPS)")
	key := flag.String("key", "", "TLS key file")
	grow := flag.Duration("grow", 100*time.Millisecond, "start a goroutine this often")
	flag.Parse()

	block := make(chan struct{})
	go func() {
		for {
			go parkedWorker(block)
			allocate(64 << 10)
			time.Sleep(*grow)
		}
	}()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("PORT %d\n", ln.Addr().(*net.TCPAddr).Port)
	os.Stdout.Sync()
	if *cert != "" {
		err = http.ServeTLS(ln, nil, *cert, *key)
	} else {
		err = http.Serve(ln, nil)
	}
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
